#include "mpi/rank_scheduler.hpp"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mpi/messages.hpp"
#include "pipeline/timing.hpp"
#include "task_recording.hpp"

namespace pipeline::detail::mpi {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Rank 0 sleeps between polls: results come back every few milliseconds at most, and with a second task queued at
// each rank a late wake-up costs no rank any work. When every rank of the run rings rank 0's doorbell after each
// send and sends only small messages (same_host.hpp), it sleeps 20 ms at a time, cut short by a ring (then it polls
// at once for a moment: Backoff::wait), like the process pool's parent in its read; without the doorbell it must
// wake every 500 us at most, and hears of a result up to that late. The 20 ms bound how late a stop request or a
// task timeout is seen.
Backoff rank0_backoff(bool rung) {
  return rung ? Backoff(std::chrono::milliseconds(20), std::chrono::milliseconds(20))
              : Backoff(std::chrono::microseconds(20), std::chrono::microseconds(500));
}

// Waits for one answer from each rank, `expected` or an error frame; every rank's answer is taken before the first
// error is thrown (with that rank's reason), so that none is left behind to be read as the next run's.
void expect_from_each(std::span<const MpiRank> ranks, Inbox& inbox, Outbox& outbox, wire::FrameType expected,
                      double timeout_s, const char* what) {
  const auto deadline = deadline_after(timeout_s);
  Backoff backoff = rank0_backoff(false);
  std::string first_error;
  for (const MpiRank& rank : ranks) {
    std::optional<Received> received;
    while (!(received = inbox.try_receive(rank.rank))) {
      outbox.progress();
      if (Clock::now() > deadline) {
        throw std::runtime_error(
            fmt::format("MPI rank {} on {} did not answer {} within {} s", rank.rank, rank.host, what, timeout_s));
      }
      backoff.wait();
    }
    backoff.reset();
    const wire::FrameView frame = wire::split_frame(received->bytes, wire::max_handshake_frame_bytes);
    if (frame.type == wire::FrameType::error) {
      if (first_error.empty()) {
        first_error = fmt::format("MPI rank {} on {}: {}", rank.rank, rank.host, wire::decode_error(frame.payload));
      }
    } else if (frame.type != expected) {
      throw wire::ProtocolError(
          fmt::format("rank {} answered {} with a {} frame", rank.rank, what, wire::to_string(frame.type)));
    }
  }
  if (!first_error.empty()) throw std::runtime_error(first_error);
}

struct InFlight {
  std::size_t task = 0;
  double sent_s = 0.0;
  std::uint64_t bytes = 0;
};

struct RankState {
  const MpiRank* rank = nullptr;
  bool maps_images = false;
  const DoorbellRinger* ringer = nullptr;
  std::deque<InFlight> in_flight;
  double last_end_s = 0.0;             // when its previous task ended, on rank 0's clock
  bool awaiting_chain_answer = false;  // its ready (or refusal) of this run's chain has not come yet
};

constexpr std::size_t tasks_in_flight = 2;

// The rank's times on rank 0's clock.
void map_clock(TaskRecord& record, double offset) {
  record.start_s -= offset;
  record.end_s -= offset;
  for (StageTiming& stage : record.stages) {
    stage.start_s -= offset;
    stage.end_s -= offset;
  }
}

class Run {
 public:
  Run(RankJobs& jobs, std::span<const RunRank> ranks, const Doorbell* bell, const MpiOptions& options,
      const RunOptions& run_options)
      : jobs_(jobs), bell_(bell), options_(options), run_options_(run_options) {
    for (const RunRank& rank : ranks) {
      states_.push_back(RankState{&rank.rank, rank.maps_images, rank.ringer, {}, 0.0});
      rung_ = rung_ && rank.rings_root && bell != nullptr;
    }
    result_.tasks.resize(jobs.size());
    result_.transport = "mpi";
    const auto order = jobs.order();
    queue_.assign(order.begin(), order.end());
  }

  // The chain goes first and the first tasks right behind it, without waiting for the ranks' ready (a round trip
  // per run, about 1.5% of a run of 16 photos here); a rank answers the chain before any task. A rank that refuses it
  // ignores the run's tasks, and the run ends with its reason once every rank has answered and the tasks already
  // running elsewhere are back, so that nothing is left to be read as the next run's.
  BatchResult run(const FilterChain& chain) {
    static std::atomic<std::uint64_t> runs{0};
    run_id_ = ++runs;
    const wire::Chain frame{run_id_, run_options_.profile_stages, chain.spec()};
    for (RankState& state : states_) {
      outbox_.send(state.rank->rank, wire::encode_chain(frame));
      if (state.ringer != nullptr) state.ringer->ring();
      state.awaiting_chain_answer = true;
    }
    const auto chain_deadline = deadline_after(options_.start_timeout_s);

    Backoff backoff = rank0_backoff(rung_);
    while (finished_ < jobs_.size() || awaiting_chain_answers()) {
      if (refusal_.empty()) {
        if (run_options_.stop.stop_requested()) cancel_queued();
        for (RankState& state : states_) dispatch(state);
      } else if (!awaiting_chain_answers() && nothing_in_flight()) {
        break;
      }
      const bool sent = outbox_.progress();
      if (const auto received = inbox_.try_receive(MPI_ANY_SOURCE)) {
        on_frame(*received);
        backoff.reset();
      } else if (!sent) {
        check_chain_answers(chain_deadline);
        check_timeouts();
        backoff.wait(bell_);
      }
    }
    outbox_.wait_all();
    if (!refusal_.empty()) throw std::runtime_error(refusal_);
    return std::move(result_);
  }

 private:
  void finish(std::size_t i, TaskRecord record) {
    result_.tasks[i].record = std::move(record);
    ++finished_;
    if (run_options_.on_task_done) run_options_.on_task_done(result_.tasks[i].record);
  }

  void cancel_queued() {
    while (!queue_.empty()) {
      const std::size_t i = queue_.front();
      queue_.pop_front();
      finish(i, cancelled_task_record(jobs_.name_of(i)));
    }
  }

  void dispatch(RankState& state) {
    while (state.in_flight.size() < tasks_in_flight && !queue_.empty() && !run_options_.stop.stop_requested()) {
      const std::size_t i = queue_.front();
      queue_.pop_front();
      TaskMessage message = jobs_.message(i, state.maps_images);
      const std::uint64_t bytes = message.frame.size() + message.tail.size();
      if (message.error.empty() && std::max(message.frame.size(), message.tail.size()) > max_message_bytes) {
        message.error = fmt::format("{} bytes to send, over MPI's {} per message", bytes, max_message_bytes);
      }
      if (!message.error.empty()) {
        TaskRecord record;  // it ran nowhere: pid 0
        record.image = jobs_.name_of(i);
        record.worker = -1;
        record.start_s = record.end_s = monotonic_seconds();
        record.error = std::move(message.error);
        finish(i, std::move(record));
        continue;
      }
      outbox_.send(state.rank->rank, std::move(message.frame), message.tail);
      if (state.ringer != nullptr) state.ringer->ring();
      state.in_flight.push_back(InFlight{i, monotonic_seconds(), bytes});
    }
  }

  RankState& state_of(int rank) {
    for (RankState& state : states_) {
      if (state.rank->rank == rank) return state;
    }
    throw wire::ProtocolError(fmt::format("a message from rank {}, which is not in this run", rank));
  }

  [[nodiscard]] bool awaiting_chain_answers() const {
    return std::any_of(states_.begin(), states_.end(), [](const RankState& s) { return s.awaiting_chain_answer; });
  }
  [[nodiscard]] bool nothing_in_flight() const {
    return std::all_of(states_.begin(), states_.end(), [](const RankState& s) { return s.in_flight.empty(); });
  }

  // Ends the whole MPI job, every rank: the only way to stop a rank that does not answer.
  [[noreturn]] static void abort_job(const std::string& reason) {
    spdlog::critical("{}: aborting the MPI job; what was written stays, and 'run --resume' finishes the rest", reason);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();  // MPI_Abort does not return; the standard does not say so to the compiler
  }

  // As for a task over its timeout (check_timeouts): the rank cannot be stopped or replaced from inside the job, and
  // its late answer and results would be read as the next run's, so the job ends (mpi_options.hpp says so).
  void check_chain_answers(Clock::time_point deadline) const {
    if (Clock::now() <= deadline) return;
    for (const RankState& state : states_) {
      if (state.awaiting_chain_answer) {
        abort_job(
            fmt::format("MPI rank {} ({}) has not answered the run's chain within {} s (MpiOptions::start_timeout_s)",
                        state.rank->rank, state.rank->host, options_.start_timeout_s));
      }
    }
  }

  void on_frame(const Received& received) {
    RankState& state = state_of(received.source);
    const MpiRank& rank = *state.rank;
    if (!state.awaiting_chain_answer) return on_result(received, state);
    const wire::FrameView frame = wire::split_frame(received.bytes, wire::max_handshake_frame_bytes);
    state.awaiting_chain_answer = false;
    if (frame.type == wire::FrameType::error) {
      // The rank ignores this run's tasks: none of those sent to it will come back.
      state.in_flight.clear();
      if (refusal_.empty()) {
        refusal_ = fmt::format("MPI rank {} on {}: {}", rank.rank, rank.host, wire::decode_error(frame.payload));
      }
      return;
    }
    if (frame.type != wire::FrameType::ready) {
      throw wire::ProtocolError(
          fmt::format("rank {} answered the run's chain with a {} frame", rank.rank, wire::to_string(frame.type)));
    }
    if (const std::uint64_t run = wire::decode_ready(frame.payload); run != run_id_) {
      throw wire::ProtocolError(fmt::format("rank {} was ready for run {} during run {}", rank.rank, run, run_id_));
    }
  }

  void on_result(const Received& received, RankState& state) {
    const double received_s = monotonic_seconds();
    const MpiRank& rank = *state.rank;
    const FrameParts frame = split_parts(received.bytes);
    if (frame.type == wire::FrameType::error) {
      throw std::runtime_error(
          fmt::format("MPI rank {} on {}: {}", rank.rank, rank.host, wire::decode_error(frame.payload)));
    }
    if (frame.type != jobs_.result_type() || state.in_flight.empty()) {
      throw wire::ProtocolError(
          fmt::format("rank {} sent an unexpected {} frame", rank.rank, wire::to_string(frame.type)));
    }
    auto [index, record] = jobs_.accept(frame, inbox_, received.source, result_);
    const InFlight sent = state.in_flight.front();
    if (index != sent.task) {
      throw wire::ProtocolError(fmt::format("rank {} answered task {} before task {}", rank.rank, index, sent.task));
    }
    state.in_flight.pop_front();
    map_clock(record, rank.clock_offset_s);
    record.image = jobs_.name_of(sent.task);
    record.worker = static_cast<int>(&state - states_.data());
    record.host = rank.host;
    record.bytes_sent = sent.bytes;
    record.bytes_received = received.bytes.size() + frame.samples_follow;
    // From when the rank could start it (sent, and its previous task done) to the result in hand, minus the work.
    const double could_start = std::max(sent.sent_s, state.last_end_s);
    record.transfer_s = std::max(0.0, received_s - could_start - record.seconds());
    state.last_end_s = std::max(record.end_s, could_start);
    finish(sent.task, std::move(record));
  }

  // A rank cannot be killed and replaced from inside an MPI job: a task over its deadline ends the job, named.
  void check_timeouts() {
    if (options_.task_timeout_s <= 0) return;
    const double now = monotonic_seconds();
    for (const RankState& state : states_) {
      if (state.in_flight.empty()) continue;
      const InFlight& oldest = state.in_flight.front();
      const double began = std::max(oldest.sent_s, state.last_end_s);
      if (now - began > options_.task_timeout_s) {
        abort_job(fmt::format("'{}' has been on MPI rank {} ({}) for over {} s (--task-timeout)",
                              jobs_.name_of(oldest.task), state.rank->rank, state.rank->host, options_.task_timeout_s));
      }
    }
  }

  RankJobs& jobs_;
  const Doorbell* bell_;
  bool rung_ = true;  // every rank rings bell_
  const MpiOptions& options_;
  const RunOptions& run_options_;
  std::vector<RankState> states_;
  std::deque<std::size_t> queue_;
  BatchResult result_;
  std::size_t finished_ = 0;
  std::uint64_t run_id_ = 0;
  std::string refusal_;  // the first rank's reason for refusing the chain: the run's error once all is back
  Inbox inbox_;
  Outbox outbox_;
};

}  // namespace

void start_ranks(std::span<const MpiRank> ranks, const MpiOptions& options) {
  wire::Handshake handshake;
  handshake.vips = options.vips;
  handshake.log_level = static_cast<int>(spdlog::get_level());
  handshake.max_frame_bytes = max_message_bytes;
  Outbox outbox;
  Inbox inbox;
  for (const MpiRank& rank : ranks) outbox.send(rank.rank, wire::encode_handshake(handshake));
  expect_from_each(ranks, inbox, outbox, wire::FrameType::hello, options.start_timeout_s, "the handshake");
  outbox.wait_all();
}

BatchResult run_on_ranks(RankJobs& jobs, const FilterChain& chain, std::span<const RunRank> ranks, const Doorbell* bell,
                         const MpiOptions& options, const RunOptions& run_options) {
  return Run(jobs, ranks, bell, options, run_options).run(chain);
}

}  // namespace pipeline::detail::mpi
