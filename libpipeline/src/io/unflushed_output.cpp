#include "io/unflushed_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "io/temporary_output.hpp"
#include "pipeline/image_io.hpp"

namespace pipeline::detail {
namespace {

// One count for every temporary file this process makes: two writers of one output never share a name.
std::atomic<unsigned> temporary_count{0};

ImageIoError write_error(const std::filesystem::path& output, std::string_view what, std::string_view reason) {
  return ImageIoError(output.string(), fmt::format("cannot write {}: {}", what, reason));
}

}  // namespace

UnflushedOutput::UnflushedOutput(int fd, std::filesystem::path temporary, std::filesystem::path output,
                                 std::string what) noexcept
    : fd_(fd), temporary_(std::move(temporary)), output_(std::move(output)), what_(std::move(what)) {}

UnflushedOutput::UnflushedOutput(UnflushedOutput&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      temporary_(std::move(other.temporary_)),
      output_(std::move(other.output_)),
      what_(std::move(other.what_)) {}

UnflushedOutput& UnflushedOutput::operator=(UnflushedOutput&& other) noexcept {
  if (this != &other) {
    abandon();
    fd_ = std::exchange(other.fd_, -1);
    temporary_ = std::move(other.temporary_);
    output_ = std::move(other.output_);
    what_ = std::move(other.what_);
  }
  return *this;
}

UnflushedOutput::~UnflushedOutput() { abandon(); }

void UnflushedOutput::abandon() noexcept {
  if (fd_ >= 0) discard();
}

void UnflushedOutput::discard() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void UnflushedOutput::commit() {
  if (fd_ < 0) throw std::logic_error("UnflushedOutput::commit on an empty output");
  try {
    if (::fsync(fd_) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
    const int closed = ::close(std::exchange(fd_, -1));
    if (closed != 0) throw std::system_error(errno, std::generic_category(), "close");
    std::filesystem::rename(temporary_, output_);
  } catch (const std::exception& error) {
    discard();
    throw write_error(output_, what_, error.what());
  }
}

UnflushedOutput write_unflushed(const std::filesystem::path& output, std::string what,
                                const std::function<void(int fd)>& write) {
  std::filesystem::path temporary = temporary_output_path(output, ::getpid(), temporary_count++);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    const std::system_error error(errno, std::generic_category(), "cannot create " + temporary.string());
    throw write_error(output, what, error.what());
  }
  UnflushedOutput written(fd, std::move(temporary), output, what);  // removes the file if writing throws
  try {
    write(fd);
  } catch (const std::exception& error) {
    throw write_error(output, what, error.what());
  }
  return written;
}

}  // namespace pipeline::detail
