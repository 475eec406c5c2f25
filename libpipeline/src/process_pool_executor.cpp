#include "pipeline/process_pool_executor.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "pipeline/worker.hpp"
#include "pipeline/worker_program.hpp"
#include "worker_process.hpp"

namespace pipeline {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// A worker whose pipe reached end of file is normally exiting already; give it this long before killing it.
constexpr std::chrono::milliseconds death_grace{2000};
// Idle workers exit as soon as their stdin closes; one that does not within this is killed.
constexpr std::chrono::milliseconds shutdown_grace{5000};

// A dead worker must show up as EPIPE on the write, not kill this process. A handler the program installed
// itself is left alone.
void ignore_sigpipe() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
}

// Asio's own completion conditions move at most 64 KiB per system call; the pipes hold 1 MiB (worker_process.cpp),
// so an image goes over in a few calls instead of a hundred.
std::size_t in_large_chunks(const error_code& error, std::size_t) { return error ? 0 : std::size_t{1} << 20; }

// One worker slot's current process and conversation state.
struct Slot {
  enum class State { starting, idle, busy, retired };

  int index = 0;
  std::unique_ptr<detail::WorkerProcess> process;
  State state = State::starting;
  bool greeted = false;  // its hello arrived
  std::size_t task = 0;  // when busy
  double sent_at = 0.0;  // monotonic seconds when the task's frame started going out
  std::array<std::uint8_t, wire::header_bytes> header{};
  std::vector<std::uint8_t> payload;
  std::vector<std::uint8_t> prefix;  // the task frame being written; its pixels go straight from the batch
};

struct TaskProgress {
  int failures = 0;
  std::vector<std::string> reasons;  // one per worker that died with the image
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

// One run(): workers, queue and results, all driven by one io_context in the calling thread.
class PoolRun {
 public:
  PoolRun(const FilterChain& chain, std::span<const NamedImage> batch, const ProcessPoolOptions& options,
          std::filesystem::path program, int workers, BatchResult& result)
      : batch_(batch),
        options_(options),
        program_(std::move(program)),
        workers_(workers),
        result_(result),
        progress_(batch.size()),
        chain_spec_(chain.spec()),
        handshake_(wire::encode_handshake(wire::Handshake{wire::protocol_version, chain_spec_, options.vips,
                                                          static_cast<int>(spdlog::get_level()),
                                                          options.max_frame_bytes})) {
    for (std::size_t i = 0; i < batch.size(); ++i) queue_.push_back(i);
    // Worst case every image kills max_retries + 1 workers; more deaths than that means something else is wrong.
    max_starts_ = static_cast<std::size_t>(workers) +
                  batch.size() * (static_cast<std::size_t>(options.max_retries) + 1);
  }

  void run() {
    slots_.resize(static_cast<std::size_t>(workers_));
    for (int i = 0; i < workers_; ++i) start_slot(i);
    io_.run();
    // Every task is done and every stdin closed: collect the workers (they exit in parallel).
    for (auto& slot : slots_) {
      if (!slot) continue;
      // A replacement still starting when the batch ended was never given work: no need to wait for it.
      const detail::Ending ending = slot->greeted ? slot->process->reap(shutdown_grace) : slot->process->kill_and_reap();
      if (slot->greeted && (ending.killed_by_parent || ending.description != "exited with code 0")) {
        spdlog::warn("worker {} (slot {}) {} at shutdown{}", slot->process->pid(), slot->index, ending.description,
                     ending.killed_by_parent ? " (it did not exit when its stdin closed)" : "");
      }
    }
  }

 private:
  using State = Slot::State;

  void start_slot(int index) {
    if (++starts_ > max_starts_) {
      throw std::runtime_error(fmt::format("worker processes keep dying ({} started for {} images); giving up",
                                           starts_ - 1, batch_.size()));
    }
    auto slot = std::make_unique<Slot>();
    slot->index = index;
    try {
      slot->process = std::make_unique<detail::WorkerProcess>(io_, program_, options_.worker_arguments);
    } catch (const std::exception& error) {
      throw std::runtime_error(fmt::format("cannot start worker program '{}': {}", program_.string(), error.what()));
    }
    Slot& s = *slot;
    slots_[static_cast<std::size_t>(index)] = std::move(slot);
    spdlog::debug("worker {} started in slot {}", s.process->pid(), index);
    asio::async_write(s.process->input(), asio::buffer(handshake_), [this, &s](const error_code& error, std::size_t) {
      if (s.state != State::retired && error) lost(s, "its stdin broke (" + error.message() + ")", false);
    });
    read_frame(s);
  }

  // Always one read outstanding per live worker: its death is seen at once, busy or idle.
  void read_frame(Slot& s) {
    asio::async_read(s.process->output(), asio::buffer(s.header), [this, &s](const error_code& error, std::size_t) {
      if (s.state == State::retired) return;
      if (error) return lost(s, read_failure(error), false);
      wire::FrameHeader header;
      try {
        header = wire::decode_header(s.header, options_.max_frame_bytes);
      } catch (const wire::ProtocolError& bad) {
        return lost(s, bad.what(), true);
      }
      s.payload.resize(static_cast<std::size_t>(header.payload_bytes));
      asio::async_read(s.process->output(), asio::buffer(s.payload), in_large_chunks,
                       [this, &s, type = header.type](const error_code& error, std::size_t) {
                         if (s.state == State::retired) return;
                         if (error) return lost(s, read_failure(error), false);
                         try {
                           on_frame(s, type);
                         } catch (const wire::ProtocolError& bad) {
                           return lost(s, bad.what(), true);
                         }
                         if (s.state != State::retired) read_frame(s);
                       });
    });
  }

  static std::string read_failure(const error_code& error) {
    return error == asio::error::eof ? "closed its stdout" : "its stdout failed (" + error.message() + ")";
  }

  void on_frame(Slot& s, wire::FrameType type) {
    if (s.state == State::starting && type == wire::FrameType::hello) return on_hello(s, wire::decode_hello(s.payload));
    if (s.state == State::starting && type == wire::FrameType::error) {
      // The worker cannot serve this chain (typically a filter it does not register): no worker of this
      // program ever will, so the run cannot go on.
      throw std::runtime_error(fmt::format("worker program '{}' refused the chain '{}': {}", program_.string(),
                                           chain_spec_, wire::decode_error(s.payload)));
    }
    if (s.state == State::busy && type == wire::FrameType::result) return on_result(s, wire::decode_result(s.payload));
    throw wire::ProtocolError(fmt::format("unexpected {} frame", wire::to_string(type)));
  }

  void on_hello(Slot& s, const wire::Hello& hello) {
    if (hello.version != wire::protocol_version) {
      throw std::runtime_error(fmt::format("worker program '{}' speaks protocol version {}, this library {}",
                                           program_.string(), hello.version, wire::protocol_version));
    }
    s.state = State::idle;
    s.greeted = true;
    if (dispatching_) return dispatch(s);
    // The first tasks go out once every worker is up, so each one gets work even with a short batch.
    const bool all_up = std::all_of(slots_.begin(), slots_.end(), [](const auto& slot) {
      return slot && slot->state != State::starting;
    });
    if (!all_up) return;
    dispatching_ = true;
    result_.ready_s = monotonic_seconds();
    for (auto& slot : slots_) {
      if (slot->state == State::idle) dispatch(*slot);
    }
  }

  void dispatch(Slot& s) {
    while (!queue_.empty() && s.state == State::idle) {
      const std::size_t i = queue_.front();
      queue_.pop_front();
      const NamedImage& input = batch_[i];
      if (input.image.empty() || input.name.size() > wire::max_text_bytes ||
          wire::task_frame_bytes(input.name, input.image) - wire::header_bytes > options_.max_frame_bytes) {
        // Never sent: the worker would reject the frame and be counted as a crash.
        fail_task(i, s, input.image.empty() ? "empty image"
                                            : fmt::format("the image's frame of {} bytes exceeds the process pool's "
                                                          "maximum frame size of {} bytes (ProcessPoolOptions::max_frame_bytes)",
                                                          wire::task_frame_bytes(input.name, input.image),
                                                          options_.max_frame_bytes));
        continue;
      }
      s.state = State::busy;
      s.task = i;
      s.prefix = wire::encode_task_prefix(i, input.name, input.image);
      s.sent_at = monotonic_seconds();
      const std::array<asio::const_buffer, 2> buffers{asio::buffer(s.prefix),
                                                      asio::buffer(input.image.bytes().data(), input.image.size_bytes())};
      asio::async_write(s.process->input(), buffers, in_large_chunks, [this, &s, i](const error_code& error, std::size_t written) {
        if (s.state == State::retired) return;
        if (error) return lost(s, "its stdin broke (" + error.message() + ")", false);
        progress_[i].bytes_sent += written;
      });
    }
  }

  void on_result(Slot& s, wire::Result result) {
    if (result.index != s.task) {
      throw wire::ProtocolError(fmt::format("result for task {} while task {} was sent", result.index, s.task));
    }
    const std::size_t i = s.task;
    TaskProgress& progress = progress_[i];
    progress.bytes_received += wire::header_bytes + s.payload.size();
    TaskRecord& record = result.record;
    record.image = batch_[i].name;
    record.worker = s.index;
    record.bytes_sent = progress.bytes_sent;
    record.bytes_received = progress.bytes_received;
    record.transfer_s = std::max(0.0, (monotonic_seconds() - s.sent_at) - record.seconds());
    result_.tasks[i] = TaskResult{std::move(result.output), std::move(record)};
    s.state = State::idle;
    task_done();
    dispatch(s);
  }

  // The worker in `s` is gone or useless: reap it, retry or fail its image, and start a replacement if work remains.
  void lost(Slot& s, const std::string& what, bool broke_protocol) {
    const State previous = s.state;
    s.state = State::retired;
    s.process->close_pipes();
    const std::int64_t pid = s.process->pid();
    const detail::Ending ending = broke_protocol ? s.process->kill_and_reap() : s.process->reap(death_grace);
    // How it ended, from its wait status; when we had to kill it, why.
    const std::string how = broke_protocol            ? fmt::format("broke the protocol ({}) and was killed", what)
                            : ending.killed_by_parent ? fmt::format("{} but did not exit, and was killed", what)
                                                      : ending.description;
    const std::string reason = fmt::format("worker {} {}", pid, how);
    retired_.push_back(std::move(slots_[static_cast<std::size_t>(s.index)]));

    if (previous == State::starting) {
      throw std::runtime_error(fmt::format("worker program '{}' failed before its handshake: {}", program_.string(), reason));
    }
    if (previous == State::busy) {
      const std::size_t i = s.task;
      TaskProgress& progress = progress_[i];
      progress.reasons.push_back(reason);
      ++progress.failures;
      const bool retry = progress.failures <= options_.max_retries;
      spdlog::error("worker {} (slot {}) {} while processing '{}'; {}", pid, s.index, how, batch_[i].name,
                    retry ? "retrying the image on a new worker" : "giving the image up");
      if (retry) {
        queue_.push_front(i);
      } else {
        fail_task(i, s, progress.reasons.size() == 1
                            ? progress.reasons.front()
                            : fmt::format("the worker died on each of {} attempts: {}", progress.reasons.size(),
                                          fmt::join(progress.reasons, "; ")));
      }
    } else {
      spdlog::warn("worker {} (slot {}) {} while idle", pid, s.index, how);
    }
    if (done_ < batch_.size() && !queue_.empty()) start_slot(s.index);
  }

  void fail_task(std::size_t i, const Slot& s, std::string error) {
    TaskRecord& record = result_.tasks[i].record;
    record.image = batch_[i].name;
    record.worker = s.index;
    record.pid = s.process->pid();
    record.bytes_sent = progress_[i].bytes_sent;
    record.bytes_received = progress_[i].bytes_received;
    record.error = std::move(error);
    task_done();
  }

  void task_done() {
    if (++done_ < batch_.size()) return;
    // All done: every worker sees the end of its stdin and exits; cancelling the reads lets io_.run() return.
    for (auto& slot : slots_) {
      if (!slot) continue;
      slot->state = State::retired;
      slot->process->close_pipes();
    }
  }

  // Destroyed last: the slots' pipes and any handler still queued refer to it.
  asio::io_context io_;
  std::span<const NamedImage> batch_;
  const ProcessPoolOptions& options_;
  std::filesystem::path program_;
  int workers_;
  BatchResult& result_;
  std::vector<TaskProgress> progress_;
  std::string chain_spec_;
  std::vector<std::uint8_t> handshake_;
  std::deque<std::size_t> queue_;  // tasks not yet sent; retries go to the front
  std::size_t done_ = 0;
  bool dispatching_ = false;
  std::size_t starts_ = 0;
  std::size_t max_starts_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;    // the live slot per index
  std::vector<std::unique_ptr<Slot>> retired_;  // dead slots, kept: their handlers may still be queued
};

}  // namespace

ProcessPoolOptions ProcessPoolOptions::self_worker() {
  ProcessPoolOptions options;
  // Resolved now, so the path still names this program's file if /proc/self is read by another process later.
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  options.worker_program = error ? std::filesystem::path("/proc/self/exe") : self;
  options.worker_arguments = {std::string(worker_flag)};
  return options;
}

ProcessPoolExecutor::ProcessPoolExecutor(int workers, ProcessPoolOptions options)
    : workers_(workers), options_(std::move(options)) {
  if (workers < 1) throw std::invalid_argument("ProcessPoolExecutor needs at least 1 worker");
  if (options_.max_retries < 0) throw std::invalid_argument("ProcessPoolOptions::max_retries must be >= 0");
  if (options_.max_frame_bytes < wire::header_bytes) {
    throw std::invalid_argument("ProcessPoolOptions::max_frame_bytes is too small");
  }
}

BatchResult ProcessPoolExecutor::run_file_jobs(const FilterChain&, std::span<const FileJob>, const FileJobOptions&,
                                               const RunOptions&) {
  throw std::logic_error("TODO(helper): ProcessPoolExecutor::run_file_jobs");
}

BatchResult ProcessPoolExecutor::run_images(const FilterChain& chain, std::span<const NamedImage> batch,
                                            const RunOptions&) {
  BatchResult result;
  result.executor = name();
  result.workers = workers_;
  result.tasks.resize(batch.size());
  std::filesystem::path program = find_worker_program(options_.worker_program);
  spdlog::debug("process pool: {} worker(s) of {}", workers_, program.string());
  ignore_sigpipe();

  result.start_s = monotonic_seconds();
  if (!batch.empty()) {
    const int processes = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(workers_), batch.size()));
    PoolRun(chain, batch, options_, std::move(program), processes, result).run();
  }
  result.end_s = monotonic_seconds();
  return result;
}

}  // namespace pipeline
