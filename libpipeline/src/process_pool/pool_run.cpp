#include "process_pool/pool_run.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/metrics.hpp"
#include "pipeline/worker.hpp"
#include "process_pool/job_source.hpp"
#include "process_pool/shared_arena.hpp"
#include "task_recording.hpp"
#include "worker_guard.hpp"

namespace pipeline::detail {

using State = Slot::State;

PoolRun::PoolRun(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
                 const PoolBatch* batch)
    : pool_(pool), options_(options), program_(program), used_(workers), batch_(batch), run_id_(++pool.runs) {
  const std::size_t count = batch_ != nullptr ? batch_->jobs.count() : 0;
  progress_.resize(count);
  if (batch_ != nullptr) {
    for (const std::size_t i : batch_->jobs.order()) queue_.push_back(i);
  }
  // Worst case every task kills max_retries + 1 workers, and every worker dies once more as it starts or idles;
  // more deaths than that means something else is wrong.
  max_starts_ = 2 * static_cast<std::size_t>(workers) + failed_starts_allowed_beyond_workers +
                count * (static_cast<std::size_t>(options.max_retries) + 1);
  if (batch_ != nullptr)
    chain_frame_ = wire::encode_chain({run_id_, batch_->options.profile_stages, batch_->chain.spec()});
}

void PoolRun::run() {
  try {
    begin();
    pool_.io.restart();
    pool_.io.run();
  } catch (...) {
    abandon();
    throw;
  }
  retired_.clear();  // every handler that referred to them has run
}

// This program started as its own worker (ProcessPoolOptions::self_worker()).
bool PoolRun::self_worker() const {
  return std::find(options_.worker_arguments.begin(), options_.worker_arguments.end(), worker_flag) !=
         options_.worker_arguments.end();
}

void PoolRun::begin() {
  // Every worker's first frames are queued first and then written, one write each: a worker woken by its
  // frames can take the parent's CPU, and the others would wait for it.
  corked_ = true;
  bool starting_any = false;
  for (int i = 0; i < used_; ++i) {
    auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (!slot) {
      start_slot(i);
      starting_any = true;
    } else if (!starting_only()) {
      // A worker from an earlier run (or start()): this run's chain first. One that died in between is found
      // out here, by a broken pipe or end of file, and replaced.
      slot->state = State::configuring;
      slot->asked_at = monotonic_seconds();
      send(*slot, {chain_frame_, {}, std::nullopt});
      slot->channel.read(*slot, *this, options_.max_frame_bytes);
      rearm(*slot);
    }
  }
  if (!starting_only() && !starting_any) {
    // No start-up paid in this run: the first tasks follow the chain at once, without waiting for its answer.
    // The worker reads them in order; waiting would cost every run a round trip and two wake-ups per worker,
    // which on a busy machine can be milliseconds.
    dispatching_ = true;  // ready_s stays 0: ready at the start (executor.hpp)
    for (int i = 0; i < used_; ++i) {
      auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (slot && slot->state == State::configuring) dispatch(*slot);
    }
  }
  corked_ = false;
  for (int i = 0; i < used_; ++i) {
    auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (slot) slot->channel.flush(*slot, *this);
  }
  if (!starting_any && starting_only()) finish();  // start() with every worker up already
}

void PoolRun::start_slot(int index) {
  if (++starts_ > max_starts_) {
    throw std::runtime_error(
        fmt::format("worker processes keep dying ({} started for {} task(s), the last: {}); "
                    "giving up",
                    starts_ - 1, job_count(), last_loss_));
  }
  auto slot = std::make_unique<Slot>();
  slot->index = index;
  wire::Handshake handshake{wire::protocol_version,
                            options_.vips,
                            static_cast<int>(spdlog::get_level()),
                            options_.max_frame_bytes,
                            options_.transport,
                            -1,
                            0};
  int arena_fd = -1;
  try {
    if (shared_memory()) {
      slot->segment = SharedSegment::create();
      handshake.segment_fd = worker_segment_fd;
      if (const SharedArena* arena = SharedArena::active()) {
        arena_fd = arena->fd();
        handshake.arena_fd = worker_arena_fd;
        handshake.arena_bytes = arena->capacity();
        slot->arena = true;
      }
    }
    slot->process = std::make_unique<WorkerProcess>(pool_.io, program_, options_.worker_arguments, slot->segment.fd(),
                                                    arena_fd, options_.worker_vips_modules);
  } catch (const std::exception& error) {
    throw std::runtime_error(fmt::format("cannot start worker program '{}': {}", program_.string(), error.what()));
  }
  Slot& s = *slot;
  pool_.slots[static_cast<std::size_t>(index)] = std::move(slot);
  spdlog::debug("worker {} started in slot {}", s.process->pid(), index);
  s.state = State::starting;
  s.deadline.emplace(pool_.io);
  s.asked_at = monotonic_seconds();
  send(s, {wire::encode_handshake(handshake), {}, std::nullopt});
  // The worker reads them in order: no need to wait for its hello before saying which chain it will run.
  if (!starting_only()) send(s, {chain_frame_, {}, std::nullopt});
  s.channel.read(s, *this, options_.max_frame_bytes);
  rearm(s);
}

// The task timeout now: ProcessPoolOptions::TaskTimeout, 0 for none.
double PoolRun::task_timeout_seconds() const {
  const auto& timeout = options_.task_timeout;
  if (timeout.seconds <= 0.0) return 0.0;
  if (timeout.median_multiple <= 0.0 || task_seconds_.empty()) return timeout.seconds;
  return std::max(timeout.seconds, timeout.median_multiple * task_seconds_.median());
}

// Sets the worker's deadline for what it owes now: its hello or this run's chain answer (the start-up timeout),
// or the answer to the task it works on (the task timeout, from when it could start it); none when idle.
void PoolRun::rearm(Slot& s) {
  if (!s.deadline || s.state == State::retired) return;
  ++s.deadline_generation;  // a wait already completed but not yet run is thereby stale
  s.deadline->cancel();
  double since = 0.0;
  double limit = 0.0;
  if (s.state == State::starting || s.state == State::configuring) {
    since = s.asked_at;
    limit = options_.start_timeout_seconds;
  } else if (!s.in_flight.empty()) {
    since = std::max(s.in_flight.front().sent_at, s.last_answer_at);
    limit = task_timeout_seconds();
  }
  if (limit <= 0.0) return;
  const double left = std::max(0.0, since + limit - monotonic_seconds());
  s.deadline->expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(left)));
  s.deadline->async_wait([this, &s, generation = s.deadline_generation, limit](const boost::system::error_code& error) {
    if (error || s.state == State::retired || generation != s.deadline_generation) return;
    if (s.state == State::starting || s.state == State::configuring) {
      return lost(s,
                  fmt::format("did not answer its {} within {} (the start-up timeout)",
                              s.state == State::starting ? "handshake" : "chain", format_duration(limit)),
                  Cause::timed_out);
    }
    lost(s, fmt::format("did not finish its task within {} (the task timeout)", format_duration(limit)),
         Cause::timed_out);
  });
}

void PoolRun::channel_failed(Slot& s, const std::string& what, bool protocol) {
  lost(s, what, protocol ? Cause::broke_protocol : Cause::ended);
}

void PoolRun::frame_arrived(Slot& s, wire::FrameType type) {
  using wire::FrameType;
  const auto payload = s.channel.payload();
  switch (s.state) {
    case State::starting:
      if (type == FrameType::hello) return on_hello(s, wire::decode_hello(payload));
      if (type == FrameType::error) {
        throw std::runtime_error(fmt::format("worker program '{}' refused the handshake: {}", program_.string(),
                                             wire::decode_error(payload)));
      }
      break;
    case State::configuring:
      if (type == FrameType::ready) return on_ready(s, wire::decode_ready(payload));
      if (type == FrameType::error) {
        // Typically a filter the worker program does not register: no worker of it ever will, so the run
        // cannot go on.
        throw std::runtime_error(fmt::format("worker program '{}' refused the chain '{}': {}. To fix it: {}",
                                             program_.string(), batch_->chain.spec(), wire::decode_error(payload),
                                             refused_chain_hint()));
      }
      break;
    case State::busy:
      if (type == batch_->jobs.answer_type()) return on_answer(s);
      if (type == FrameType::file_started && tasks_say_when_started()) {
        return on_file_started(s, wire::decode_file_started(payload));
      }
      break;
    case State::idle:
    case State::retired: break;
  }
  throw wire::ProtocolError(fmt::format("unexpected {} frame", wire::to_string(type)));
}

void PoolRun::on_hello(Slot& s, const wire::Hello& hello) {
  if (hello.version != wire::protocol_version) {
    throw std::runtime_error(fmt::format("worker program '{}' speaks protocol version {}, this library {}",
                                         program_.string(), hello.version, wire::protocol_version));
  }
  pool_.ever_ready = true;
  failed_starts_ = 0;
  if (!starting_only()) {
    s.state = State::configuring;  // its chain frame is on its way already
    s.asked_at = monotonic_seconds();
    rearm(s);
  } else {
    s.state = State::idle;
    rearm(s);
    check_all_up();
  }
}

void PoolRun::on_ready(Slot& s, std::uint64_t run) {
  if (run != run_id_) throw wire::ProtocolError(fmt::format("ready for run {} during run {}", run, run_id_));
  s.state = s.in_flight.empty() ? State::idle : State::busy;
  failed_configures_ = 0;
  rearm(s);
  if (!dispatching_) return check_all_up();
  dispatch(s);
  maybe_finish();  // the tasks may all be done already: this worker's chain came last
}

// Workers started in this run: the first tasks go out once every one is up, so each gets work even with a
// short batch, and the run's start-up ends there.
void PoolRun::check_all_up() {
  for (int i = 0; i < used_; ++i) {
    const auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (!slot || slot->state == State::starting || slot->state == State::configuring) return;
  }
  if (starting_only()) return finish();
  dispatching_ = true;
  batch_->result.ready_s = monotonic_seconds();
  for (int i = 0; i < used_; ++i) {
    auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (slot && slot->state == State::idle) dispatch(*slot);
  }
}

// The run ends when every task is done and every worker is ready for the next run: one between its chain frame
// and its answer is a round trip away, and a replacement still starting (the tasks were done before it was up)
// is ready for the next run once its start-up, which this run paid, is over. Cut off mid-conversation, a worker
// could not be kept.
void PoolRun::maybe_finish() {
  if (finishing_ || done_ < job_count()) return;
  for (int i = 0; i < used_; ++i) {
    const auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (slot && (slot->state == State::starting || slot->state == State::configuring)) return;
  }
  finish();
}

// Every task is done (or every worker up, for start()): the workers stay for the next run. Cancelling their
// reads lets io.run() return; nothing is in flight, so no frame is cut.
void PoolRun::finish() {
  finishing_ = true;
  for (int i = 0; i < used_; ++i) {
    auto& slot = pool_.slots[static_cast<std::size_t>(i)];
    if (!slot) continue;
    if (slot->deadline) slot->deadline->cancel();
    if (slot->state == State::idle) {
      boost::system::error_code ignored;
      slot->process->output().cancel(ignored);
    } else {
      // Not reached (maybe_finish waits for every worker to be idle); should it be, the worker cannot be kept.
      slot->state = State::retired;
      slot->process->close_pipes();
      (void)slot->process->kill_and_reap();
      retired_.push_back(std::move(slot));
    }
  }
}

// The run failed: no worker is left in an unknown state. All are killed and reaped, and the handlers still
// queued run (they see their slot retired and do nothing) before anything they refer to goes away.
void PoolRun::abandon() noexcept {
  finishing_ = true;
  for (auto& slot : pool_.slots) {
    if (!slot) continue;
    slot->state = State::retired;
    if (slot->deadline) slot->deadline->cancel();
    slot->process->close_pipes();
    (void)slot->process->kill_and_reap();
    // Killed perhaps between writing an output's temporary file and renaming it: nothing partial is left.
    if (!starting_only()) {
      for (const InFlight& task : slot->in_flight) batch_->jobs.clean_after(task.task, slot->process->pid());
    }
    retired_.push_back(std::move(slot));
  }
  try {
    pool_.io.restart();
    pool_.io.run();
  } catch (...) {
    // Handlers of retired slots do not throw; nothing else is left to run.
  }
  retired_.clear();
}

}  // namespace pipeline::detail
