// PoolRun (pool_run.hpp): the tasks, from the queue to the workers and back into the batch's result.
#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "process_pool/job_source.hpp"
#include "process_pool/pool_run.hpp"
#include "task_recording.hpp"

namespace pipeline::detail {
namespace {

using State = Slot::State;

// A configuring worker stays so until it answers the chain: only then do its results come.
void mark_busy(Slot& s) noexcept {
  if (s.state == State::idle) s.state = State::busy;
}

}  // namespace

// Tops up the tasks in flight of `s`: an idle or busy worker, or one configuring for this run (its chain was
// sent just before; the tasks queue behind it).
void PoolRun::dispatch(Slot& s) {
  send_tasks(s);
  rearm(s);
}

void PoolRun::send_tasks(Slot& s) {
  if (batch_->options.stop.stop_requested()) return cancel_queued();
  JobSource& jobs = batch_->jobs;
  const std::size_t limit = jobs.in_flight_limit(s);
  while (!queue_.empty() && s.state != State::starting && s.state != State::retired && s.in_flight.size() < limit) {
    if (!s.in_flight.empty() && jobs.memory_limited() && another_worker_waits(s)) return;
    const std::size_t i = queue_.front();
    queue_.pop_front();
    PreparedTask task = jobs.prepare(s, i);
    switch (task.outcome) {
      case PreparedTask::Outcome::send:
        progress_[i].bytes_sent += task.copied_bytes;
        mark_busy(s);
        s.in_flight.push_back(std::move(task.in_flight));
        for (OutgoingFrame& frame : task.frames) send(s, std::move(frame));
        break;
      case PreparedTask::Outcome::failed: fail_task(i, s, std::move(task.error)); break;
      case PreparedTask::Outcome::refused: fail_task(i, -1, 0, std::move(task.error)); break;
      case PreparedTask::Outcome::wait_for_memory:
        // Until a result frees some (dispatch_waiting_for_memory()).
        waiting_for_memory_ = true;
        queue_.push_front(i);
        return;
      case PreparedTask::Outcome::wait_for_worker: queue_.push_front(i); return;
    }
  }
}

// With a memory budget, a worker's second task (the one queued behind its first) would hold memory another
// worker with none in flight could use now.
bool PoolRun::another_worker_waits(const Slot& s) const {
  for (int k = 0; k < used_; ++k) {
    const auto& other = pool_.slots[static_cast<std::size_t>(k)];
    if (other && other.get() != &s && other->state == State::idle && other->in_flight.empty()) return true;
  }
  return false;
}

// A task's share of the memory budget came back: the tasks that waited for it may go now.
void PoolRun::release_memory(std::size_t i) noexcept { batch_->jobs.release(i); }

void PoolRun::dispatch_waiting_for_memory() {
  if (!waiting_for_memory_ || !dispatching_ || finishing_) return;
  waiting_for_memory_ = false;
  for (const bool empty_first : {true, false}) {
    for (int k = 0; k < used_; ++k) {
      auto& slot = pool_.slots[static_cast<std::size_t>(k)];
      if (slot && (slot->state == State::idle || slot->state == State::busy) &&
          slot->in_flight.empty() == empty_first) {
        dispatch(*slot);
      }
    }
  }
}

// The run was stopped (RunOptions::stop): no queued task is sent; those sent finish. A task queued for a retry
// did start, on a worker that died: it fails with what killed that worker rather than passing as never run.
void PoolRun::cancel_queued() {
  while (!queue_.empty()) {
    const std::size_t i = queue_.front();
    queue_.pop_front();
    const TaskProgress& progress = progress_[i];
    if (!progress.reasons.empty()) {
      fail_task(i, progress.last_worker, progress.last_pid,
                fmt::format("stopped before a retry; {}", fmt::join(progress.reasons, "; ")));
    } else {
      batch_->result.tasks[i].record = cancelled_task_record(batch_->jobs.name_of(i));
      task_done(i);
    }
  }
}

// The front task in flight is answered; returns it after checking the answer is for it.
InFlight PoolRun::answered(Slot& s, std::uint64_t index) {
  if (index != s.in_flight.front().task) {
    throw wire::ProtocolError(fmt::format("result for task {} while task {} was due", index, s.in_flight.front().task));
  }
  if (tasks_say_when_started() && !s.in_flight.front().started) {
    throw wire::ProtocolError(fmt::format("result for task {} before it was said to start", index));
  }
  InFlight front = std::move(s.in_flight.front());
  s.in_flight.pop_front();
  release_memory(front.task);
  return front;
}

bool PoolRun::tasks_say_when_started() const noexcept {
  return batch_->jobs.answer_type() == wire::FrameType::file_result;
}

void PoolRun::on_file_started(Slot& s, std::uint64_t index) {
  const auto next = std::find_if(s.in_flight.begin(), s.in_flight.end(), [](const InFlight& t) { return !t.started; });
  if (next == s.in_flight.end() || next->task != index) {
    throw wire::ProtocolError(next == s.in_flight.end()
                                  ? fmt::format("task {} said to start with none due", index)
                                  : fmt::format("task {} said to start while task {} was due", index, next->task));
  }
  next->started = true;
}

void PoolRun::on_answer(Slot& s) {
  const JobSource& jobs = batch_->jobs;
  TaskAnswer answer = jobs.decode(s);
  InFlight task = answered(s, answer.index);
  TaskProgress& progress = progress_[task.task];
  progress.bytes_received += wire::header_bytes + s.channel.payload().size();
  bool in_place = false;
  Image output = jobs.take_output(s, task, answer, progress.bytes_received, in_place);
  if (in_place) ++batch_->result.in_place_tasks;
  complete(s, task, std::move(answer.record), std::move(output));
}

void PoolRun::complete(Slot& s, const InFlight& task, TaskRecord record, Image output) {
  const double now = monotonic_seconds();
  task_seconds_.add(record.seconds());
  const std::size_t i = task.task;
  record.image = batch_->jobs.name_of(i);
  record.worker = s.index;
  record.host = current_host();  // the wire's record names none: the worker runs on this host
  record.bytes_sent = progress_[i].bytes_sent;
  record.bytes_received = progress_[i].bytes_received;
  // From when the worker could start it (a queued task waits for the one before) to having it back.
  record.transfer_s = std::max(0.0, (now - std::max(task.sent_at, s.last_answer_at)) - record.seconds());
  s.last_answer_at = now;
  if (s.in_flight.empty()) s.state = State::idle;
  batch_->result.tasks[i] = TaskResult{std::move(output), std::move(record)};
  task_done(i);
  dispatch(s);
  dispatch_waiting_for_memory();
}

void PoolRun::fail_task(std::size_t i, const Slot& s, std::string error) {
  fail_task(i, s.index, s.process->pid(), std::move(error));
}

void PoolRun::fail_task(std::size_t i, int worker, std::int64_t pid, std::string error) {
  TaskRecord& record = batch_->result.tasks[i].record;
  record.image = batch_->jobs.name_of(i);
  record.worker = worker;
  record.host = current_host();
  record.pid = pid;
  record.pixels = batch_->jobs.pixels_of(i);
  record.bytes_sent = progress_[i].bytes_sent;
  record.bytes_received = progress_[i].bytes_received;
  record.error = std::move(error);
  task_done(i);
}

void PoolRun::task_done(std::size_t i) {
  // Guarded by Executor::run(): it does not throw.
  if (batch_->options.on_task_done) batch_->options.on_task_done(batch_->result.tasks[i].record);
  ++done_;
  maybe_finish();
}

}  // namespace pipeline::detail
