#pragma once
// Private to the library: flushes and renames written outputs (unflushed_output.hpp) on a thread of its own, in
// the order given, so that a worker goes on to its next image while the disk catches up. The fsync before each
// rename waits ~1.5 ms per photo on this project's machine, ~10% of a `run` (benchmarks/README.md).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "io/unflushed_output.hpp"

namespace pipeline::detail {

class OutputCommitter {
 public:
  // Told "" once its output is committed (or when it had none), else the reason (ImageIoError's), on the
  // committer's thread.
  using Done = std::function<void(std::string error)>;

  // `max_pending` outputs may wait at once (each holds a descriptor); submit blocks beyond.
  explicit OutputCommitter(std::size_t max_pending = 16);
  // Commits what was submitted, then stops the thread. Exceptions from `done` are dropped here: drain() first.
  ~OutputCommitter();
  OutputCommitter(const OutputCommitter&) = delete;
  OutputCommitter& operator=(const OutputCommitter&) = delete;

  // Commits `output` (none when empty), then calls `done`, after everything submitted before.
  void submit(UnflushedOutput output, Done done);

  // Returns once everything submitted has been committed and told; rethrows the first exception a `done` threw.
  void drain();

 private:
  struct Pending {
    UnflushedOutput output;
    Done done;
  };

  void serve();

  std::size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> queue_;
  bool busy_ = false;  // one taken off the queue is being committed or told
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace pipeline::detail
