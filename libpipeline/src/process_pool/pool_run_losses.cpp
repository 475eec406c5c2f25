// PoolRun (pool_run.hpp): workers that die, hang or break the protocol: reaped, their tasks retried or failed,
// replaced while work remains; and the run given up when the worker program cannot work at all.
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pipeline/worker.hpp"
#include "process_pool/job_source.hpp"
#include "process_pool/pool_run.hpp"
#include "worker_guard.hpp"

namespace pipeline::detail {
namespace {

using State = Slot::State;

// A worker whose pipe reached end of file is normally exiting already; give it this long before killing it.
constexpr std::chrono::milliseconds death_grace{2000};

}  // namespace

// Why a worker may have died before its hello, when it can be told: a self worker that was not served
// (worker_guard.hpp) exits with its own code; any self worker may have run main's own code instead.
std::string PoolRun::before_handshake_hint(const Ending& ending) const {
  if (!ending.killed_by_parent && WIFEXITED(ending.status) && WEXITSTATUS(ending.status) == unserved_worker_exit_code) {
    return ": " + unserved_worker_message();
  }
  // Only a worker that exited by itself may have run main's code; one killed by a signal was stopped from outside.
  if (self_worker() && !ending.killed_by_parent && WIFEXITED(ending.status)) {
    return " (a program that is its own worker must call pipeline::maybe_serve_worker(argc, argv) at the top of "
           "main, before anything that prints to stdout)";
  }
  return "";
}

// How to make a refused chain work: its filters are registered in this program, not in the worker's.
std::string PoolRun::refused_chain_hint() const {
  if (self_worker()) {
    return "register every filter of the chain before calling pipeline::maybe_serve_worker(argc, argv), which "
           "serves with the filters registered by then";
  }
  return "that program knows only the built-in filters; for filters this program registers, make it its own "
         "worker: ProcessPoolOptions::self_worker(), with pipeline::maybe_serve_worker(argc, argv) at the top of "
         "main, after registering them";
}

// The worker in `s` is gone or useless: reap it, retry or fail its tasks, and start a replacement if work remains.
void PoolRun::lost(Slot& s, const std::string& what, Cause cause) {
  const State previous = s.state;
  s.state = State::retired;
  if (s.deadline) s.deadline->cancel();
  s.process->close_pipes();
  const std::int64_t pid = s.process->pid();
  const Ending ending = cause != Cause::ended ? s.process->kill_and_reap() : s.process->reap(death_grace);
  // How it ended, from its wait status; when we had to kill it, why.
  const std::string how = cause == Cause::broke_protocol ? fmt::format("broke the protocol ({}) and was killed", what)
                          : cause == Cause::timed_out    ? fmt::format("{} and was killed", what)
                          : ending.killed_by_parent      ? fmt::format("{} but did not exit, and was killed", what)
                                                         : ending.description;
  const std::string reason = fmt::format("worker {} {}", pid, how);
  last_loss_ = reason;
  retired_.push_back(std::move(pool_.slots[static_cast<std::size_t>(s.index)]));
  if (!starting_only()) {
    for (const InFlight& task : s.in_flight) release_memory(task.task);  // sent again, it is admitted again
  }

  if (previous == State::starting) return lost_while_starting(s, reason + before_handshake_hint(ending));
  if (starting_only()) {
    // start(): one that said hello and died before the others did is replaced like any other (and counts
    // against the same bound on starts).
    spdlog::warn("{} while the pool started; starting another in slot {}", reason, s.index);
    if (!finishing_) start_slot(s.index);
    return;
  }
  if (previous == State::configuring) lost_while_configuring(reason);
  // The task it was working on: none if it never answered this run's chain (it answers frames in order, so it had
  // started none of the tasks sent behind the chain); else the first, as it answers in order; but of file tasks the
  // last it said it started, when it said so of one (those before it, unanswered, were having their outputs
  // flushed), unless past the task timeout: then the first task's answer is the one overdue (still running, or its
  // output's flush hung on a stuck disk). A worker that died before it said so, on a frame it could not take say,
  // was still on the first. The others go back to the front of the queue, in order, without counting as an attempt.
  std::optional<std::size_t> working;  // its position in s.in_flight
  if (previous != State::configuring && !s.in_flight.empty()) {
    working = 0;
    if (tasks_say_when_started() && cause != Cause::timed_out) {
      for (std::size_t k = 1; k < s.in_flight.size(); ++k) {
        if (s.in_flight[k].started) working = k;
      }
    }
  }
  for (std::size_t k = s.in_flight.size(); k-- > 0;) {
    if (k == working) continue;
    const InFlight& task = s.in_flight[k];
    if (task.started) batch_->jobs.clean_after(task.task, pid);  // killed before it renamed that output into place
    queue_.push_front(task.task);
  }
  if (working) {
    const std::size_t i = s.in_flight[*working].task;
    batch_->jobs.clean_after(i, pid);
    TaskProgress& progress = progress_[i];
    progress.reasons.push_back(reason);
    progress.last_worker = s.index;
    progress.last_pid = pid;
    ++progress.failures;
    const bool retry = progress.failures <= options_.max_retries;
    spdlog::error("worker {} (slot {}) {} while processing '{}'; {}", pid, s.index, how, batch_->jobs.name_of(i),
                  retry ? "retrying it on a new worker" : "giving it up");
    if (retry) {
      queue_.push_front(i);
    } else {
      fail_task(i, s,
                progress.reasons.size() == 1 ? progress.reasons.front()
                                             : fmt::format("the worker died on each of {} attempts: {}",
                                                           progress.reasons.size(), fmt::join(progress.reasons, "; ")));
    }
  } else {
    spdlog::warn("worker {} (slot {}) {} while {}", pid, s.index, how,
                 previous == State::configuring ? "being given the run's chain" : "idle");
  }
  s.in_flight.clear();
  if (batch_->options.stop.stop_requested()) cancel_queued();
  // Replaced while work remains; and always when found dead at the start of the run (while it was being given
  // the chain), whether or not the others have taken every task by the time its end is seen: the pool keeps its
  // size from run to run.
  if (!finishing_ && (previous == State::configuring || (done_ < job_count() && !queue_.empty()))) {
    start_slot(s.index);
  }
  dispatch_waiting_for_memory();
  maybe_finish();
}

// A worker died before its hello. If none of this pool's ever said hello either, the program cannot be a worker
// (it exits at once, or is something else): the run ends with its reason. Otherwise it is one replacement dying
// (killed, say, as it started): it is started again, and what was queued for it (nothing it had begun) goes
// back to the queue, up to a bounded number of failed starts in a row.
void PoolRun::lost_while_starting(Slot& s, const std::string& reason) {
  ++failed_starts_;
  const auto workers = static_cast<std::size_t>(used_);
  if ((!pool_.ever_ready && failed_starts_ >= workers) ||
      failed_starts_ > workers + failed_starts_allowed_beyond_workers) {
    throw std::runtime_error(fmt::format("worker program '{}' failed before its handshake{}: {}", program_.string(),
                                         failed_starts_ > 1 ? fmt::format(" ({} starts in a row)", failed_starts_) : "",
                                         reason));
  }
  spdlog::warn("{} before its handshake; starting another in slot {}", reason, s.index);
  for (auto it = s.in_flight.rbegin(); it != s.in_flight.rend(); ++it) queue_.push_front(it->task);
  s.in_flight.clear();
  if (!finishing_) start_slot(s.index);
  if (starting_only()) return;
  dispatch_waiting_for_memory();
  maybe_finish();
}

// A worker lost before it answered the run's chain: one found dead at the start of a run, or killed as it took
// the chain, is replaced; a program that never takes a chain (it stalls or dies on every one) ends the run after
// as many such losses in a row as the failed starts allowed, rather than after every start the batch allows.
void PoolRun::lost_while_configuring(const std::string& reason) {
  ++failed_configures_;
  if (failed_configures_ > static_cast<std::size_t>(used_) + failed_starts_allowed_beyond_workers) {
    throw std::runtime_error(fmt::format("worker program '{}' did not take the run's chain ({} workers in a row): {}",
                                         program_.string(), failed_configures_, reason));
  }
}

}  // namespace pipeline::detail
