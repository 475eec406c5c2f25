#pragma once
// Private to the library: one worker child process of the pool, its pipes, and how it ended.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Boost 1.81's Process v2 headers use boost::optional, boost::decay and boost::is_convertible without including
// them (Boost.Filesystem's headers happen to); with BOOST_PROCESS_USE_STD_FS they must come first.
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/optional.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/type_traits/decay.hpp>
#include <boost/type_traits/is_convertible.hpp>

#include "process_pool/frame_payload.hpp"

namespace pipeline::detail {

// "exited with code 3", "killed by signal 9 (SIGKILL)", from a raw waitpid() status: exit_code() of Boost.Process
// folds both into one number, so a worker that exits with 9 would look SIGKILLed.
[[nodiscard]] std::string describe_wait_status(int status);

// How a reaped worker ended.
struct Ending {
  int status = 0;                 // raw waitpid() status
  bool killed_by_parent = false;  // we sent SIGKILL (it would not exit, or it broke the protocol)
  std::string description;        // describe_wait_status(status)
};

// The descriptor numbers under which a worker inherits its shared segment and shared image memory (wire.hpp's
// handshake says them too).
inline constexpr int worker_segment_fd = 3;
inline constexpr int worker_arena_fd = 4;

// The child is started with fork + exec (Boost.Process v2), its stdin and stdout connected to pipes of `io`,
// stderr inherited, `segment_fd` (if >= 0) as its descriptor worker_segment_fd and `arena_fd` (if >= 0, and
// above 4) as worker_arena_fd, and without libvips' loadable modules unless `vips_modules`
// (ProcessPoolOptions::worker_vips_modules); every other descriptor of
// this process is closed in the child or close-on-exec. The destructor kills and reaps a child that is still
// there, so none outlives this object.
class WorkerProcess {
 public:
  // Throws std::system_error when the program cannot be started (the exec failure's errno).
  WorkerProcess(boost::asio::io_context& io, const std::filesystem::path& program,
                const std::vector<std::string>& arguments, int segment_fd = -1, int arena_fd = -1,
                bool vips_modules = true);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  [[nodiscard]] std::int64_t pid() const noexcept { return pid_; }
  [[nodiscard]] boost::asio::writable_pipe& input() noexcept { return input_; }
  [[nodiscard]] boost::asio::readable_pipe& output() noexcept { return output_; }

  // Reads a frame's `total`-byte payload from the child's stdout into `payload` as it arrives, then calls
  // handler(error_code): detail::async_read_payload, which never sizes the buffer ahead of the bytes.
  template <typename Handler>
  void async_read_payload(std::vector<std::uint8_t>& payload, std::uint64_t total, Handler handler) {
    detail::async_read_payload(output_, payload, static_cast<std::size_t>(total), std::move(handler));
  }

  // Closes the child's stdin (a worker exits when it sees the end of it) and cancels pending operations.
  void close_input() noexcept;
  void close_pipes() noexcept;

  // Waits for the child to end, polling for up to `grace`, then kills it. Reaps once; later calls return the same.
  Ending reap(std::chrono::milliseconds grace);
  // Kills the child at once (no-op if it already ended) and reaps it.
  Ending kill_and_reap();

 private:
  Ending finish(std::optional<int> status, bool killed);

  boost::asio::writable_pipe input_;
  boost::asio::readable_pipe output_;
  boost::process::v2::process process_;
  std::int64_t pid_ = 0;
  std::optional<Ending> ending_;
};

}  // namespace pipeline::detail
