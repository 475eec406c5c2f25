#pragma once
// Private to the process pool (pool.cpp): one run over the pool's workers, or the start of the pool, driven by its
// io_context in the calling thread. The state machine of each worker (Slot::State) and of the run: start-up,
// dispatch of the queued tasks (pool_run_tasks.cpp), losses and retries (pool_run_losses.cpp), the end.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "process_pool/pool.hpp"
#include "process_pool/running_median.hpp"
#include "process_pool/worker_channel.hpp"

namespace pipeline::detail {

class PoolRun final : public ChannelEvents {
 public:
  // Without `batch`: only starts the workers (start_pool()).
  PoolRun(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
          const PoolBatch* batch);

  void run();

 private:
  // Replacements that die while starting are started again, but not forever: this many failed starts in a row
  // more than the pool has workers, with no hello between them, and the run is given up.
  static constexpr std::size_t failed_starts_allowed_beyond_workers = 3;

  // Why a worker is taken out of the pool.
  enum class Cause { ended, broke_protocol, timed_out };

  struct TaskProgress {
    int failures = 0;
    std::vector<std::string> reasons;  // one per worker that died with the task
    int last_worker = -1;              // the last of them: its slot and pid
    std::int64_t last_pid = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
  };

  // ChannelEvents
  void frame_arrived(Slot& s, wire::FrameType type) override;
  void channel_failed(Slot& s, const std::string& what, bool protocol) override;
  void task_bytes_written(std::size_t task, std::uint64_t bytes) override { progress_[task].bytes_sent += bytes; }
  [[nodiscard]] bool finishing() const noexcept override { return finishing_; }

  [[nodiscard]] bool starting_only() const noexcept { return batch_ == nullptr; }
  [[nodiscard]] bool shared_memory() const noexcept { return options_.transport == Transport::shared_memory; }
  [[nodiscard]] bool self_worker() const;
  [[nodiscard]] std::string before_handshake_hint(const Ending& ending) const;
  [[nodiscard]] std::string refused_chain_hint() const;
  [[nodiscard]] std::size_t job_count() const noexcept { return progress_.size(); }
  [[nodiscard]] double task_timeout_seconds() const;

  // pool_run.cpp: the workers' start-up, their frames and deadlines, and the run's end.
  void begin();
  void start_slot(int index);
  void rearm(Slot& s);
  void send(Slot& s, OutgoingFrame frame) { s.channel.send(s, *this, std::move(frame), corked_); }
  void on_hello(Slot& s, const wire::Hello& hello);
  void on_ready(Slot& s, std::uint64_t run);
  void check_all_up();
  void maybe_finish();
  void finish();
  void abandon() noexcept;

  // pool_run_tasks.cpp: the tasks, from the queue to their results.
  void dispatch(Slot& s);
  void send_tasks(Slot& s);
  [[nodiscard]] bool another_worker_waits(const Slot& s) const;
  void release_memory(std::size_t i) noexcept;
  void dispatch_waiting_for_memory();
  void cancel_queued();
  InFlight answered(Slot& s, std::uint64_t index);
  void on_answer(Slot& s);
  void on_file_started(Slot& s, std::uint64_t index);
  // File tasks: the worker says when it begins each (wire.hpp's file started frame), since it goes on to the next
  // while the last one's output is flushed.
  [[nodiscard]] bool tasks_say_when_started() const noexcept;
  void complete(Slot& s, const InFlight& task, TaskRecord record, Image output);
  void fail_task(std::size_t i, const Slot& s, std::string error);
  void fail_task(std::size_t i, int worker, std::int64_t pid, std::string error);
  void task_done(std::size_t i);

  // pool_run_losses.cpp: workers that die, hang or break the protocol.
  void lost(Slot& s, const std::string& what, Cause cause);
  void lost_while_starting(Slot& s, const std::string& reason);
  void lost_while_configuring(const std::string& reason);

  PoolState& pool_;
  const ProcessPoolOptions& options_;
  const std::filesystem::path& program_;
  int used_;  // slots [0, used_) take part in this run
  const PoolBatch* batch_;
  std::uint64_t run_id_;
  std::vector<std::uint8_t> chain_frame_;
  std::vector<TaskProgress> progress_;
  std::deque<std::size_t> queue_;  // tasks not yet sent; retries go to the front
  std::size_t done_ = 0;
  bool dispatching_ = false;
  bool corked_ = false;  // send() only queues (see begin())
  bool finishing_ = false;
  std::size_t starts_ = 0;
  std::size_t max_starts_ = 0;
  std::size_t failed_starts_ = 0;               // workers that died before their hello since the last hello
  std::size_t failed_configures_ = 0;           // workers lost before answering the chain since the last that answered
  std::string last_loss_;                       // how the last worker lost ended, for the error that gives up
  RunningMedian task_seconds_;                  // the worker-side times of this run's tasks, for the task timeout
  bool waiting_for_memory_ = false;             // a job is queued until some memory is released
  std::vector<std::unique_ptr<Slot>> retired_;  // dead slots, kept until their handlers ran
};

}  // namespace pipeline::detail
