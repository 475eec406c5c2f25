#include "process_pool/pool_run.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <sys/wait.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pipeline/metrics.hpp"
#include "pipeline/worker.hpp"
#include "executors/memory_admission.hpp"
#include "io/temporary_output.hpp"
#include "process_pool/running_median.hpp"
#include "process_pool/shared_arena.hpp"
#include "worker_guard.hpp"
#include "task_recording.hpp"

namespace pipeline::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using State = Slot::State;

// A worker whose pipe reached end of file is normally exiting already; give it this long before killing it.
constexpr std::chrono::milliseconds death_grace{2000};

// Replacements that die while starting are started again, but not forever: this many failed starts in a row more
// than the pool has workers, with no hello between them, and the run is given up.
constexpr std::size_t failed_starts_allowed_beyond_workers = 3;

// Why a worker is taken out of the pool.
enum class Cause { ended, broke_protocol, timed_out };

// Tasks in flight per worker. One image: its samples occupy the worker's segment until the result is back (and
// with the pipe, memory stays one image per worker). Two file jobs: the next is waiting in the worker's stdin when
// it finishes one, and the pipe holds only paths.
constexpr std::size_t images_in_flight = 1;
constexpr std::size_t files_in_flight = 2;
// Images in place (shared image memory) take no room in the segment: two, so the next is waiting in the worker's
// stdin when it finishes one, and it never idles for the round trip to the parent.
constexpr std::size_t images_in_place_in_flight = 2;

// Segments grow in whole MiB, and by a quarter at least, so a batch of growing images remaps rarely.
constexpr std::uint64_t segment_granule = std::uint64_t{1} << 20;

// Asio's own completion conditions move at most 64 KiB per system call; the pipes hold 1 MiB (worker_process.cpp),
// so an image goes over in a few calls instead of a hundred.
std::size_t in_large_chunks(const error_code& error, std::size_t) { return error ? 0 : std::size_t{1} << 20; }

std::string read_failure(const error_code& error) {
  return error == asio::error::eof ? "closed its stdout" : "its stdout failed (" + error.message() + ")";
}

// Removes the temporary files (temporary_output.hpp) the dead worker `pid` left for `output`: it was killed
// between writing one and renaming it over the output.
void remove_temporaries(const std::filesystem::path& output, std::int64_t pid) noexcept {
  try {
    std::error_code error;
    const auto folder = output.has_parent_path() ? output.parent_path() : std::filesystem::path(".");
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      if (is_temporary_output(entry.path().filename().string(), output, pid)) {
        spdlog::warn("removing '{}', left by worker {}", entry.path().string(), pid);
        std::filesystem::remove(entry.path(), error);
      }
    }
  } catch (const std::exception&) {
    // Only tidying up: the job itself is retried or reported either way.
  }
}

struct TaskProgress {
  int failures = 0;
  std::vector<std::string> reasons;  // one per worker that died with the task
  int last_worker = -1;               // the last of them: its slot and pid
  std::int64_t last_pid = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

// One run (or a start() without jobs): every worker of the pool driven by its io_context in the calling thread.
class PoolRun {
 public:
  PoolRun(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
          const RunJobs* jobs, BatchResult* result)
      : pool_(pool),
        options_(options),
        program_(program),
        used_(workers),
        jobs_(jobs),
        result_(result),
        run_id_(++pool.runs) {
    const std::size_t count = jobs_ != nullptr ? jobs_->count() : 0;
    progress_.resize(count);
    if (jobs_ != nullptr && !jobs_->files_mode) {
      for (const std::size_t i : largest_first(jobs_->images)) queue_.push_back(i);  // executor.hpp
    } else {
      for (std::size_t i = 0; i < count; ++i) queue_.push_back(i);
    }
    // Worst case every task kills max_retries + 1 workers, and every worker dies once more as it starts or idles;
    // more deaths than that means something else is wrong.
    max_starts_ = 2 * static_cast<std::size_t>(workers) + failed_starts_allowed_beyond_workers +
                  count * (static_cast<std::size_t>(options.max_retries) + 1);
    if (jobs_ != nullptr) {
      if (jobs_->files_mode) memory_.emplace(jobs_->file_options, jobs_->files);
      limit_ = jobs_->files_mode ? files_in_flight : images_in_flight;
      chain_frame_ = wire::encode_chain({run_id_, jobs_->options->profile_stages, jobs_->chain->spec()});
    }
  }

  void run() {
    try {
      begin();
      pool_.io.restart();
      pool_.io.run();
    } catch (...) {
      abandon();
      throw;
    }
    retired_.clear();  // every handler that referred to them has run
    if (observer_error_) std::rethrow_exception(observer_error_);
  }

 private:
  [[nodiscard]] bool shared_memory() const noexcept { return options_.transport == Transport::shared_memory; }
  // This program started as its own worker (ProcessPoolOptions::self_worker()).
  [[nodiscard]] bool self_worker() const {
    return std::find(options_.worker_arguments.begin(), options_.worker_arguments.end(), worker_flag) !=
           options_.worker_arguments.end();
  }

  // Why a worker may have died before its hello, when it can be told: a self worker that was not served
  // (worker_guard.hpp) exits with its own code; any self worker may have run main's own code instead.
  [[nodiscard]] std::string before_handshake_hint(const Ending& ending) const {
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
  [[nodiscard]] std::string refused_chain_hint() const {
    if (self_worker()) {
      return "register every filter of the chain before calling pipeline::maybe_serve_worker(argc, argv), which "
             "serves with the filters registered by then";
    }
    return "that program knows only the built-in filters; for filters this program registers, make it its own "
           "worker: ProcessPoolOptions::self_worker(), with pipeline::maybe_serve_worker(argc, argv) at the top of "
           "main, after registering them";
  }

  [[nodiscard]] std::size_t job_count() const noexcept { return progress_.size(); }

  void begin() {
    // Every worker's first frames are queued first and then written, one write each: a worker woken by its
    // frames can take the parent's CPU, and the others would wait for it.
    corked_ = true;
    bool starting_any = false;
    for (int i = 0; i < used_; ++i) {
      auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (!slot) {
        start_slot(i);
        starting_any = true;
      } else if (jobs_ != nullptr) {
        // A worker from an earlier run (or start()): this run's chain first. One that died in between is found
        // out here, by a broken pipe or end of file, and replaced.
        slot->state = State::configuring;
        slot->asked_at = monotonic_seconds();
        send(*slot, {chain_frame_, {}, std::nullopt});
        read_frame(*slot);
        rearm(*slot);
      }
    }
    if (jobs_ != nullptr && !starting_any) {
      // No start-up paid in this run: the first tasks follow the chain at once, without waiting for its answer.
      // The worker reads them in order; waiting would cost every run a round trip and two wake-ups per worker,
      // which on a busy machine can be milliseconds.
      dispatching_ = true;
      result_->ready_s = result_->start_s;
      for (int i = 0; i < used_; ++i) {
        auto& slot = pool_.slots[static_cast<std::size_t>(i)];
        if (slot && slot->state == State::configuring) dispatch(*slot);
      }
    }
    corked_ = false;
    for (int i = 0; i < used_; ++i) {
      auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (slot && slot->writing == 0 && !slot->outgoing.empty()) write_next(*slot);
    }
    if (!starting_any && jobs_ == nullptr) finish();  // start() with every worker up already
  }

  void start_slot(int index) {
    if (++starts_ > max_starts_) {
      throw std::runtime_error(fmt::format("worker processes keep dying ({} started for {} task(s), the last: {}); "
                                           "giving up",
                                           starts_ - 1, job_count(), last_loss_));
    }
    auto slot = std::make_unique<Slot>();
    slot->index = index;
    wire::Handshake handshake{wire::protocol_version, options_.vips, static_cast<int>(spdlog::get_level()),
                              options_.max_frame_bytes, options_.transport, -1, 0};
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
      slot->process = std::make_unique<WorkerProcess>(pool_.io, program_, options_.worker_arguments, slot->segment.fd(), arena_fd);
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
    if (jobs_ != nullptr) send(s, {chain_frame_, {}, std::nullopt});
    read_frame(s);
    rearm(s);
  }

  // The task timeout now: ProcessPoolOptions::TaskTimeout, 0 for none.
  [[nodiscard]] double task_timeout_seconds() const {
    const auto& timeout = options_.task_timeout;
    if (timeout.seconds <= 0.0) return 0.0;
    if (timeout.median_multiple <= 0.0 || task_seconds_.empty()) return timeout.seconds;
    return std::max(timeout.seconds, timeout.median_multiple * task_seconds_.median());
  }

  // Sets the worker's deadline for what it owes now: its hello or this run's chain answer (the start-up timeout),
  // or the answer to the task it works on (the task timeout, from when it could start it); none when idle.
  void rearm(Slot& s) {
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
    s.deadline->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(left)));
    s.deadline->async_wait([this, &s, generation = s.deadline_generation, limit](const error_code& error) {
      if (error || s.state == State::retired || generation != s.deadline_generation) return;
      if (s.state == State::starting || s.state == State::configuring) {
        return lost(s, fmt::format("did not answer its {} within {} (the start-up timeout)",
                                   s.state == State::starting ? "handshake" : "chain", format_duration(limit)),
                    Cause::timed_out);
      }
      lost(s, fmt::format("did not finish its task within {} (the task timeout)", format_duration(limit)),
           Cause::timed_out);
    });
  }

  // One write at a time per worker, in order: frames never interleave on its stdin. Frames queued meanwhile go
  // together in the next write.
  void send(Slot& s, OutgoingFrame frame) {
    s.outgoing.push_back(std::move(frame));
    if (!corked_ && s.writing == 0) write_next(s);
  }

  // Writes every queued frame of `s` in one gathered write: one system call, and one wake-up of the worker, for
  // a run's chain and first tasks.
  void write_next(Slot& s) {
    s.writing = s.outgoing.size();
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(2 * s.writing);
    for (const OutgoingFrame& frame : s.outgoing) {
      buffers.push_back(asio::buffer(frame.bytes));
      if (!frame.trailing.empty()) buffers.push_back(asio::buffer(frame.trailing.data(), frame.trailing.size()));
    }
    asio::async_write(s.process->input(), buffers, in_large_chunks, [this, &s](const error_code& error, std::size_t written) {
      for (; s.writing > 0; --s.writing) {
        const OutgoingFrame done = std::move(s.outgoing.front());
        s.outgoing.pop_front();
        const std::size_t bytes = std::min(written, done.bytes.size() + done.trailing.size());
        written -= bytes;
        if (done.task) progress_[*done.task].bytes_sent += bytes;
      }
      if (s.state == State::retired) return;
      if (error) return lost(s, "its stdin broke (" + error.message() + ")", Cause::ended);
      if (!s.outgoing.empty()) write_next(s);
    });
  }

  // Always one read outstanding per live worker in a run: its death is seen at once, busy or idle.
  void read_frame(Slot& s) {
    asio::async_read(s.process->output(), asio::buffer(s.header), [this, &s](const error_code& error, std::size_t) {
      if (s.state == State::retired || (finishing_ && error == asio::error::operation_aborted)) return;
      if (error) return lost(s, read_failure(error), Cause::ended);
      wire::FrameHeader header;
      try {
        header = wire::decode_header(s.header, options_.max_frame_bytes);
      } catch (const wire::ProtocolError& bad) {
        return lost(s, bad.what(), Cause::broke_protocol);
      }
      // Filled as the bytes arrive, never sized up front: the header's size is only the worker's word.
      s.process->async_read_payload(s.payload, header.payload_bytes, [this, &s, type = header.type](const error_code& error) {
        if (s.state == State::retired) return;
        if (error) return lost(s, read_failure(error), Cause::ended);
        try {
          on_frame(s, type);
        } catch (const wire::ProtocolError& bad) {
          return lost(s, bad.what(), Cause::broke_protocol);
        }
        if (s.state != State::retired && !finishing_) read_frame(s);
      });
    });
  }

  void on_frame(Slot& s, wire::FrameType type) {
    using wire::FrameType;
    switch (s.state) {
      case State::starting:
        if (type == FrameType::hello) return on_hello(s, wire::decode_hello(s.payload));
        if (type == FrameType::error) {
          throw std::runtime_error(fmt::format("worker program '{}' refused the handshake: {}", program_.string(),
                                               wire::decode_error(s.payload)));
        }
        break;
      case State::configuring:
        if (type == FrameType::ready) return on_ready(s, wire::decode_ready(s.payload));
        if (type == FrameType::error) {
          // Typically a filter the worker program does not register: no worker of it ever will, so the run
          // cannot go on.
          throw std::runtime_error(fmt::format("worker program '{}' refused the chain '{}': {}. To fix it: {}",
                                               program_.string(), jobs_->chain->spec(), wire::decode_error(s.payload),
                                               refused_chain_hint()));
        }
        break;
      case State::busy:
        if (type == FrameType::result && !jobs_->files_mode) {
          return on_result(s, wire::decode_result(s.payload, mapped(s)));
        }
        if (type == FrameType::file_result && jobs_->files_mode) {
          return on_file_result(s, wire::decode_file_result(s.payload));
        }
        break;
      case State::idle:
      case State::retired: break;
    }
    throw wire::ProtocolError(fmt::format("unexpected {} frame", wire::to_string(type)));
  }

  void on_hello(Slot& s, const wire::Hello& hello) {
    if (hello.version != wire::protocol_version) {
      throw std::runtime_error(fmt::format("worker program '{}' speaks protocol version {}, this library {}",
                                           program_.string(), hello.version, wire::protocol_version));
    }
    pool_.ever_ready = true;
    failed_starts_ = 0;
    if (jobs_ != nullptr) {
      s.state = State::configuring;  // its chain frame is on its way already
      s.asked_at = monotonic_seconds();
      rearm(s);
    } else {
      s.state = State::idle;
      rearm(s);
      check_all_up();
    }
  }

  void on_ready(Slot& s, std::uint64_t run) {
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
  void check_all_up() {
    for (int i = 0; i < used_; ++i) {
      const auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (!slot || slot->state == State::starting || slot->state == State::configuring) return;
    }
    if (jobs_ == nullptr) return finish();
    dispatching_ = true;
    result_->ready_s = monotonic_seconds();
    for (int i = 0; i < used_; ++i) {
      auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (slot && slot->state == State::idle) dispatch(*slot);
    }
  }

  // Tops up the tasks in flight of `s`: an idle or busy worker, or one configuring for this run (its chain was
  // sent just before; the tasks queue behind it).
  void dispatch(Slot& s) {
    send_tasks(s);
    rearm(s);
  }

  void send_tasks(Slot& s) {
    if (jobs_->options->stop.stop_requested()) return cancel_queued();
    const std::size_t limit = !jobs_->files_mode && s.arena ? images_in_place_in_flight : limit_;
    while (!queue_.empty() && s.state != State::starting && s.state != State::retired && s.in_flight.size() < limit) {
      if (!s.in_flight.empty() && memory_ && memory_->limited() && another_worker_waits(s)) return;
      const std::size_t i = queue_.front();
      queue_.pop_front();
      if (jobs_->files_mode ? !send_file_job(s, i) : !send_image(s, i)) {
        // An image needs the segment, which holds one at a time: after the one in flight. A file job waits for
        // room in the memory budget: until a result frees some (dispatch_waiting_for_memory()).
        queue_.push_front(i);
        return;
      }
    }
  }

  // With a memory budget, a worker's second task (the one queued behind its first) would hold memory another
  // worker with none in flight could use now.
  [[nodiscard]] bool another_worker_waits(const Slot& s) const {
    for (int k = 0; k < used_; ++k) {
      const auto& other = pool_.slots[static_cast<std::size_t>(k)];
      if (other && other.get() != &s && other->state == State::idle && other->in_flight.empty()) return true;
    }
    return false;
  }

  // A task's share of the memory budget came back: the tasks that waited for it may go now.
  void release_memory(std::size_t i) noexcept {
    if (memory_) memory_->release(i);
  }

  void dispatch_waiting_for_memory() {
    if (!waiting_for_memory_ || !dispatching_ || finishing_) return;
    waiting_for_memory_ = false;
    for (const bool empty_first : {true, false}) {
      for (int k = 0; k < used_; ++k) {
        auto& slot = pool_.slots[static_cast<std::size_t>(k)];
        if (slot && (slot->state == State::idle || slot->state == State::busy) && slot->in_flight.empty() == empty_first) {
          dispatch(*slot);
        }
      }
    }
  }

  // The run was stopped (RunOptions::stop): no queued task is sent; those sent finish. A task queued for a retry
  // did start, on a worker that died: it fails with what killed that worker rather than passing as never run.
  void cancel_queued() {
    while (!queue_.empty()) {
      const std::size_t i = queue_.front();
      queue_.pop_front();
      const TaskProgress& progress = progress_[i];
      if (!progress.reasons.empty()) {
        fail_task(i, progress.last_worker, progress.last_pid,
                  fmt::format("stopped before a retry; {}", fmt::join(progress.reasons, "; ")));
      } else {
        result_->tasks[i].record = cancelled_task_record(name_of(i));
        task_done(i);
      }
    }
  }

  // False, with nothing sent, when the job must wait for room in the memory budget.
  bool send_file_job(Slot& s, std::size_t i) {
    const FileJob& job = jobs_->files[i];
    const wire::FileTask task{i, job.input.native(), job.output.native(), jobs_->file_options.png_compression,
                              jobs_->file_options.decode};
    if (task.input.size() > wire::max_text_bytes || task.output.size() > wire::max_text_bytes ||
        task.png_compression < 0 || task.png_compression > 9) {
      fail_task(i, s, task.png_compression < 0 || task.png_compression > 9
                          ? fmt::format("PNG compression must be 0..9, got {}", task.png_compression)
                          : "a path longer than the process pool's protocol carries");
      return true;
    }
    std::string refusal;
    switch (memory_->admit(i, refusal)) {
      case JobAdmission::Outcome::refused:
        fail_task(i, -1, 0, std::move(refusal));  // decided here: no worker saw it
        return true;
      case JobAdmission::Outcome::wait:
        waiting_for_memory_ = true;
        return false;
      case JobAdmission::Outcome::admitted:
        break;
    }
    mark_busy(s);
    s.in_flight.push_back({i, monotonic_seconds(), {}, Image()});
    send(s, {wire::encode_file_task(task), {}, i});
    return true;
  }

  // A configuring worker stays so until it answers the chain: only then do its results come.
  static void mark_busy(Slot& s) noexcept {
    if (s.state == State::idle) s.state = State::busy;
  }

  // False, with nothing sent, when the image must wait for the task in flight (see dispatch()).
  bool send_image(Slot& s, std::size_t i) {
    const NamedImage& input = jobs_->images[i];
    if (input.image.empty()) {
      fail_task(i, s, "empty image");
      return true;
    }
    if (input.name.size() > wire::max_text_bytes) {
      fail_task(i, s, "an image name longer than the protocol carries");
      return true;
    }
    const double sent_at = monotonic_seconds();
    if (s.arena && send_in_place(s, i, sent_at)) return true;
    if (!s.in_flight.empty()) return false;
    if (!shared_memory()) {
      if (wire::task_frame_bytes(input.name, input.image) - wire::header_bytes > options_.max_frame_bytes) {
        // Never sent: the worker would reject the frame and be counted as a crash.
        fail_task(i, s, fmt::format("the image's frame of {} bytes exceeds the process pool's maximum frame size "
                                    "of {} bytes (ProcessPoolOptions::max_frame_bytes)",
                                    wire::task_frame_bytes(input.name, input.image), options_.max_frame_bytes));
        return true;
      }
      mark_busy(s);
      s.in_flight.push_back({i, sent_at, {}, Image()});
      send(s, {wire::encode_task_prefix(i, input.name, input.image), input.image.bytes(), i});
      return true;
    }

    // The samples at the start of the segment, the output area on the next page: room for the filters' usual
    // output, one grey byte per pixel (a larger one comes back inline).
    const std::uint64_t input_bytes = input.image.size_bytes();
    const std::uint64_t output_offset = round_up(input_bytes, page_bytes);
    const std::uint64_t needed = output_offset + round_up(input.image.pixel_count(), page_bytes);
    if (needed > s.segment.size()) {
      try {
        s.segment.grow(round_up(std::max(needed, s.segment.size() + s.segment.size() / 4), segment_granule));
      } catch (const std::exception& error) {
        fail_task(i, s, fmt::format("cannot grow the shared segment to {} bytes: {}", needed, error.what()));
        return true;
      }
      send(s, {wire::encode_segment(s.segment.size()), {}, i});
    }
    std::copy(input.image.bytes().begin(), input.image.bytes().end(), s.segment.bytes().begin());
    progress_[i].bytes_sent += input_bytes;
    const wire::SegmentArea output{output_offset, s.segment.size() - output_offset};
    mark_busy(s);
    s.in_flight.push_back({i, sent_at, output, Image()});
    send(s, {wire::encode_segment_task(i, input.name, {wire::ImageShape::of(input.image), 0}, output), {}, i});
    return true;
  }

  // An image in shared image memory goes as it is: the worker reads it where it lies and writes its output into
  // an image allocated there for it. No sample is copied, only the task frame goes through the pipe. False (and
  // nothing sent) when the image is elsewhere or shared image memory has no room for the output.
  bool send_in_place(Slot& s, std::size_t i, double sent_at) {
    const NamedImage& input = jobs_->images[i];
    const SharedArena* arena = SharedArena::active();
    const auto input_at = arena->offset_of(input.image.bytes().data(), input.image.size_bytes());
    if (!input_at) return false;
    Image output = Image::uninitialized(input.image.width(), input.image.height());  // every sample gets written
    const auto output_at = arena->offset_of(output.bytes().data(), output.size_bytes());
    if (!output_at) return false;
    const wire::SegmentArea area{*output_at, output.size_bytes(), wire::Memory::arena};
    const wire::SegmentImage where{wire::ImageShape::of(input.image), *input_at, wire::Memory::arena};
    mark_busy(s);
    s.in_flight.push_back({i, sent_at, area, std::move(output)});
    send(s, {wire::encode_segment_task(i, input.name, where, area), {}, i});
    return true;
  }

  [[nodiscard]] wire::MappedBytes mapped(const Slot& s) const noexcept {
    const SharedArena* arena = SharedArena::active();
    return {s.segment.size(), s.arena && arena != nullptr ? arena->capacity() : 0};
  }

  // The front task in flight is answered; returns it after checking the answer is for it.
  InFlight answered(Slot& s, std::uint64_t index) {
    if (index != s.in_flight.front().task) {
      throw wire::ProtocolError(fmt::format("result for task {} while task {} was due", index, s.in_flight.front().task));
    }
    InFlight front = std::move(s.in_flight.front());
    s.in_flight.pop_front();
    release_memory(front.task);
    return front;
  }

  void on_result(Slot& s, wire::Result result) {
    InFlight task = answered(s, result.index);
    const std::size_t i = task.task;
    TaskProgress& progress = progress_[i];
    progress.bytes_received += wire::header_bytes + s.payload.size();
    if (result.output_in_segment) {
      const wire::SegmentImage& at = *result.output_in_segment;
      if (task.output.none() || at.memory != task.output.memory || at.offset != task.output.offset ||
          at.shape.size_bytes() > task.output.bytes) {
        throw wire::ProtocolError(fmt::format("output at [{}, +{}) outside the task's output area [{}, +{})", at.offset,
                                              at.shape.size_bytes(), task.output.offset, task.output.bytes));
      }
      if (at.memory == wire::Memory::arena) {
        // Written in place: the image allocated for it is the output, if the worker wrote it as allocated.
        if (at.shape != wire::ImageShape::of(task.output_image)) {
          throw wire::ProtocolError("an output in shared image memory with another geometry than allocated");
        }
        ++result_->in_place_tasks;
        return complete(s, task, std::move(result.record), std::move(task.output_image));
      }
      const auto samples = s.segment.bytes().subspan(static_cast<std::size_t>(at.offset),
                                                     static_cast<std::size_t>(at.shape.size_bytes()));
      result.output = Image(at.shape.width, at.shape.height, at.shape.bands, at.shape.format,
                            std::vector<std::uint8_t>(samples.begin(), samples.end()));
      progress.bytes_received += samples.size();
    }
    complete(s, task, std::move(result.record), std::move(result.output));
  }

  void on_file_result(Slot& s, wire::FileResult result) {
    const InFlight task = answered(s, result.index);
    progress_[task.task].bytes_received += wire::header_bytes + s.payload.size();
    complete(s, task, std::move(result.record), Image());
  }

  void complete(Slot& s, const InFlight& task, TaskRecord record, Image output) {
    const double now = monotonic_seconds();
    task_seconds_.add(record.seconds());
    const std::size_t i = task.task;
    record.image = name_of(i);
    record.worker = s.index;
    record.bytes_sent = progress_[i].bytes_sent;
    record.bytes_received = progress_[i].bytes_received;
    // From when the worker could start it (a queued task waits for the one before) to having it back.
    record.transfer_s = std::max(0.0, (now - std::max(task.sent_at, s.last_answer_at)) - record.seconds());
    s.last_answer_at = now;
    if (s.in_flight.empty()) s.state = State::idle;
    result_->tasks[i] = TaskResult{std::move(output), std::move(record)};
    task_done(i);
    dispatch(s);
    dispatch_waiting_for_memory();
  }

  [[nodiscard]] std::string name_of(std::size_t i) const {
    return jobs_->files_mode ? jobs_->files[i].input.filename().string() : jobs_->images[i].name;
  }

  // The worker in `s` is gone or useless: reap it, retry or fail its tasks, and start a replacement if work remains.
  void lost(Slot& s, const std::string& what, Cause cause) {
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
    for (const InFlight& task : s.in_flight) release_memory(task.task);  // sent again, it is admitted again

    if (previous == State::starting) return lost_while_starting(s, reason + before_handshake_hint(ending));
    if (jobs_ == nullptr) {
      // start(): one that said hello and died before the others did is replaced like any other (and counts
      // against the same bound on starts).
      spdlog::warn("{} while the pool started; starting another in slot {}", reason, s.index);
      if (!finishing_) start_slot(s.index);
      return;
    }
    if (previous == State::configuring) lost_while_configuring(reason);
    // The tasks it never started go back to the front of the queue, in order, without counting as an attempt:
    // those queued behind the first, and every one if it never answered this run's chain (it answers frames in
    // order, so it had started none of the tasks sent behind the chain).
    const bool started_first = previous != State::configuring && !s.in_flight.empty();
    const auto never_started = s.in_flight.rend() - (started_first ? 1 : 0);
    for (auto it = s.in_flight.rbegin(); it != never_started; ++it) queue_.push_front(it->task);
    if (started_first) {
      const std::size_t i = s.in_flight.front().task;
      if (jobs_->files_mode) remove_temporaries(jobs_->files[i].output, pid);
      TaskProgress& progress = progress_[i];
      progress.reasons.push_back(reason);
      progress.last_worker = s.index;
      progress.last_pid = pid;
      ++progress.failures;
      const bool retry = progress.failures <= options_.max_retries;
      spdlog::error("worker {} (slot {}) {} while processing '{}'; {}", pid, s.index, how, name_of(i),
                    retry ? "retrying it on a new worker" : "giving it up");
      if (retry) {
        queue_.push_front(i);
      } else {
        fail_task(i, s, progress.reasons.size() == 1
                            ? progress.reasons.front()
                            : fmt::format("the worker died on each of {} attempts: {}", progress.reasons.size(),
                                          fmt::join(progress.reasons, "; ")));
      }
    } else {
      spdlog::warn("worker {} (slot {}) {} while {}", pid, s.index, how,
                   previous == State::configuring ? "being given the run's chain" : "idle");
    }
    s.in_flight.clear();
    if (jobs_->options->stop.stop_requested()) cancel_queued();
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
  void lost_while_starting(Slot& s, const std::string& reason) {
    ++failed_starts_;
    const auto workers = static_cast<std::size_t>(used_);
    if ((!pool_.ever_ready && failed_starts_ >= workers) || failed_starts_ > workers + failed_starts_allowed_beyond_workers) {
      throw std::runtime_error(fmt::format("worker program '{}' failed before its handshake{}: {}", program_.string(),
                                           failed_starts_ > 1 ? fmt::format(" ({} starts in a row)", failed_starts_) : "",
                                           reason));
    }
    spdlog::warn("{} before its handshake; starting another in slot {}", reason, s.index);
    for (auto it = s.in_flight.rbegin(); it != s.in_flight.rend(); ++it) queue_.push_front(it->task);
    s.in_flight.clear();
    if (!finishing_) start_slot(s.index);
    if (jobs_ == nullptr) return;
    dispatch_waiting_for_memory();
    maybe_finish();
  }

  // A worker lost before it answered the run's chain: one found dead at the start of a run, or killed as it took
  // the chain, is replaced; a program that never takes a chain (it stalls or dies on every one) ends the run after
  // as many such losses in a row as the failed starts allowed, rather than after every start the batch allows.
  void lost_while_configuring(const std::string& reason) {
    ++failed_configures_;
    if (failed_configures_ > static_cast<std::size_t>(used_) + failed_starts_allowed_beyond_workers) {
      throw std::runtime_error(fmt::format("worker program '{}' did not take the run's chain ({} workers in a row): {}",
                                           program_.string(), failed_configures_, reason));
    }
  }

  void fail_task(std::size_t i, const Slot& s, std::string error) {
    fail_task(i, s.index, s.process->pid(), std::move(error));
  }

  void fail_task(std::size_t i, int worker, std::int64_t pid, std::string error) {
    TaskRecord& record = result_->tasks[i].record;
    record.image = name_of(i);
    record.worker = worker;
    record.pid = pid;
    record.pixels = jobs_->files_mode ? 0 : jobs_->images[i].image.pixel_count();
    record.bytes_sent = progress_[i].bytes_sent;
    record.bytes_received = progress_[i].bytes_received;
    record.error = std::move(error);
    task_done(i);
  }

  void task_done(std::size_t i) {
    // RunOptions::on_task_done must not throw; if it does, the run still completes and run() rethrows after.
    if (jobs_->options->on_task_done && !observer_error_) {
      try {
        jobs_->options->on_task_done(result_->tasks[i].record);
      } catch (...) {
        observer_error_ = std::current_exception();
      }
    }
    ++done_;
    maybe_finish();
  }

  // The run ends when every task is done and every worker is ready for the next run: one between its chain frame
  // and its answer is a round trip away, and a replacement still starting (the tasks were done before it was up)
  // is ready for the next run once its start-up, which this run paid, is over. Cut off mid-conversation, a worker
  // could not be kept.
  void maybe_finish() {
    if (finishing_ || done_ < job_count()) return;
    for (int i = 0; i < used_; ++i) {
      const auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (slot && (slot->state == State::starting || slot->state == State::configuring)) return;
    }
    finish();
  }

  // Every task is done (or every worker up, for start()): the workers stay for the next run. Cancelling their
  // reads lets io.run() return; nothing is in flight, so no frame is cut.
  void finish() {
    finishing_ = true;
    for (int i = 0; i < used_; ++i) {
      auto& slot = pool_.slots[static_cast<std::size_t>(i)];
      if (!slot) continue;
      if (slot->deadline) slot->deadline->cancel();
      if (slot->state == State::idle) {
        error_code ignored;
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
  void abandon() noexcept {
    finishing_ = true;
    for (auto& slot : pool_.slots) {
      if (!slot) continue;
      slot->state = State::retired;
      if (slot->deadline) slot->deadline->cancel();
      slot->process->close_pipes();
      (void)slot->process->kill_and_reap();
      // Killed perhaps between writing an output's temporary file and renaming it: nothing partial is left.
      if (jobs_ != nullptr && jobs_->files_mode) {
        for (const InFlight& task : slot->in_flight) remove_temporaries(jobs_->files[task.task].output, slot->process->pid());
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

  PoolState& pool_;
  const ProcessPoolOptions& options_;
  const std::filesystem::path& program_;
  int used_;  // slots [0, used_) take part in this run
  const RunJobs* jobs_;
  BatchResult* result_;
  std::uint64_t run_id_;
  std::vector<std::uint8_t> chain_frame_;
  std::size_t limit_ = 1;
  std::vector<TaskProgress> progress_;
  std::deque<std::size_t> queue_;  // tasks not yet sent; retries go to the front
  std::size_t done_ = 0;
  bool dispatching_ = false;
  bool corked_ = false;  // send() only queues (see begin())
  bool finishing_ = false;
  std::size_t starts_ = 0;
  std::size_t max_starts_ = 0;
  std::size_t failed_starts_ = 0;  // workers that died before their hello since the last hello
  std::size_t failed_configures_ = 0;  // workers lost before answering the chain since the last that answered
  std::string last_loss_;              // how the last worker lost ended, for the error that gives up
  RunningMedian task_seconds_;     // the worker-side times of this run's tasks, for the task timeout
  std::optional<JobAdmission> memory_;  // files mode: the memory budget
  bool waiting_for_memory_ = false;       // a job is queued until some memory is released
  std::exception_ptr observer_error_;
  std::vector<std::unique_ptr<Slot>> retired_;  // dead slots, kept until their handlers ran
};

}  // namespace

void run_pool(PoolState& pool, const ProcessPoolOptions& options, const std::filesystem::path& program, int workers,
              const RunJobs* jobs, BatchResult* result) {
  if (pool.slots.size() < static_cast<std::size_t>(workers)) pool.slots.resize(static_cast<std::size_t>(workers));
  PoolRun(pool, options, program, workers, jobs, result).run();
}

void stop_pool(PoolState& pool, std::chrono::milliseconds grace) noexcept {
  // All stdins closed first, so the workers exit in parallel; then one deadline for all of them.
  for (auto& slot : pool.slots) {
    if (slot) slot->process->close_input();
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& slot : pool.slots) {
    if (!slot) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const Ending ending = slot->process->reap(std::max(left, std::chrono::milliseconds(0)));
    if (ending.killed_by_parent || ending.description != "exited with code 0") {
      spdlog::warn("worker {} (slot {}) {} at shutdown{}", slot->process->pid(), slot->index, ending.description,
                   ending.killed_by_parent ? " (it did not exit when its stdin closed)" : "");
    }
    slot->process->close_pipes();
  }
  pool.slots.clear();
}

}  // namespace pipeline::detail
