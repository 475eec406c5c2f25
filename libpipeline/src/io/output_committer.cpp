#include "io/output_committer.hpp"

#include <utility>

#include "pipeline/image_io.hpp"

namespace pipeline::detail {

OutputCommitter::OutputCommitter(std::size_t max_pending)
    : max_pending_(max_pending == 0 ? 1 : max_pending), thread_([this] { serve(); }) {}

OutputCommitter::~OutputCommitter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void OutputCommitter::submit(UnflushedOutput output, Done done) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < max_pending_; });
  queue_.push_back({std::move(output), std::move(done)});
  lock.unlock();
  changed_.notify_all();
}

void OutputCommitter::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && !busy_; });
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

void OutputCommitter::serve() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, with nothing left to commit
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();  // room for a blocked submit
    std::string error;
    if (!pending.output.empty()) {
      try {
        pending.output.commit();
      } catch (const ImageIoError& failed) {
        error = failed.reason();
      } catch (const std::exception& failed) {
        error = failed.what();
      }
    }
    std::exception_ptr thrown;
    try {
      if (pending.done) pending.done(std::move(error));
    } catch (...) {
      thrown = std::current_exception();
    }
    lock.lock();
    if (thrown && !failure_) failure_ = thrown;
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace pipeline::detail
