#include "mpi/doorbell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace pipeline::detail::mpi {

Doorbell::Doorbell() {
  int ends[2] = {-1, -1};
  if (::pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  read_fd_ = ends[0];
  write_fd_ = ends[1];
}

Doorbell::~Doorbell() {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

Doorbell::Doorbell(Doorbell&& other) noexcept
    : read_fd_(std::exchange(other.read_fd_, -1)), write_fd_(std::exchange(other.write_fd_, -1)) {}

Doorbell& Doorbell::operator=(Doorbell&& other) noexcept {
  if (this != &other) {
    this->~Doorbell();
    read_fd_ = std::exchange(other.read_fd_, -1);
    write_fd_ = std::exchange(other.write_fd_, -1);
  }
  return *this;
}

PeerFile Doorbell::address() const { return peer_file_of(read_fd_); }

bool Doorbell::wait(std::chrono::microseconds timeout) const noexcept {
  pollfd bell{read_fd_, POLLIN, 0};
  // poll(2) counts milliseconds; ppoll takes the backoff's microseconds as they are.
  const timespec limit{static_cast<time_t>(timeout.count() / 1000000),
                       static_cast<long>(timeout.count() % 1000000) * 1000};
  if (::ppoll(&bell, 1, &limit, nullptr) > 0) {
    std::uint8_t rings[256];
    while (::read(read_fd_, rings, sizeof rings) == static_cast<ssize_t>(sizeof rings)) {
    }
    return true;
  }
  return false;
}

std::optional<DoorbellRinger> DoorbellRinger::open(std::int64_t pid, const PeerFile& address, std::string& why) {
  try {
    // Read and write: the pipe then always has a reader, so a ring after its owner died is no SIGPIPE here.
    return DoorbellRinger(open_peer_file(pid, address, O_RDWR | O_NONBLOCK));
  } catch (const std::exception& error) {
    why = error.what();
    return std::nullopt;
  }
}

DoorbellRinger::DoorbellRinger(DoorbellRinger&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DoorbellRinger& DoorbellRinger::operator=(DoorbellRinger&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DoorbellRinger::~DoorbellRinger() {
  if (fd_ >= 0) ::close(fd_);
}

void DoorbellRinger::ring() const noexcept {
  const std::uint8_t ring = 1;
  // Nonblocking: a full pipe (rings unread) already wakes its reader.
  [[maybe_unused]] const auto rung = ::write(fd_, &ring, 1);
}

}  // namespace pipeline::detail::mpi
