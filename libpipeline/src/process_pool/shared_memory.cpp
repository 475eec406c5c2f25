#include "process_pool/shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace pipeline::detail {
namespace {

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

std::uint64_t file_size(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) throw_errno("fstat of the shared segment");
  return static_cast<std::uint64_t>(status.st_size);
}

}  // namespace

SharedSegment SharedSegment::create() {
  SharedSegment segment;
  int fd = ::memfd_create("image-pipeline-segment", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw_errno("memfd_create");
  // Never one of the standard descriptors (a parent may have closed its stdin): the launcher points the child's
  // 0, 1, 2 at its pipes before it places the segment, which would clobber it.
  if (fd <= STDERR_FILENO) {
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (moved < 0) throw_errno("moving the shared segment's descriptor");
    fd = moved;
  }
  segment.fd_ = fd;
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) throw_errno("sealing the shared segment");
  return segment;
}

SharedSegment SharedSegment::adopt(int fd, std::uint64_t bytes) {
  SharedSegment segment;
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) throw std::runtime_error(fmt::format("shared segment descriptor {} is not open", fd));
  segment.fd_ = fd;
  // Children this worker may start (a user filter could) have no business with it.
  if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) throw_errno("fcntl on the shared segment");
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) {
    throw std::runtime_error(fmt::format("descriptor {} is not a shared segment sealed against shrinking", fd));
  }
  if (bytes > 0) segment.remap(bytes);
  return segment;
}

SharedSegment::~SharedSegment() {
  unmap();
  if (fd_ >= 0) ::close(fd_);
}

SharedSegment::SharedSegment(SharedSegment&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SharedSegment& SharedSegment::operator=(SharedSegment&& other) noexcept {
  if (this != &other) {
    unmap();
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SharedSegment::grow(std::uint64_t bytes) {
  if (bytes <= size_) return;
  if (bytes > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
    throw std::length_error(fmt::format("a shared segment of {} bytes", bytes));
  }
  if (file_size(fd_) < bytes && ::ftruncate(fd_, static_cast<off_t>(bytes)) != 0)
    throw_errno("growing the shared segment");
  map(bytes);
}

void SharedSegment::remap(std::uint64_t bytes) {
  if (bytes < size_) {
    throw std::runtime_error(fmt::format("the shared segment cannot shrink from {} to {} bytes", size_, bytes));
  }
  const std::uint64_t actual = file_size(fd_);
  if (actual < bytes) {
    throw std::runtime_error(fmt::format("the shared segment is {} bytes, not the {} announced", actual, bytes));
  }
  if (bytes > size_) map(bytes);
}

void SharedSegment::map(std::uint64_t bytes) {
  // A fresh mapping of the whole size, populated at once: cheaper in one go than page by page on first touch.
  // The pages already there are the same file pages, so nothing is copied.
  void* data =
      ::mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
  if (data == MAP_FAILED) throw_errno("mapping the shared segment");
  unmap();
  data_ = static_cast<std::uint8_t*>(data);
  size_ = bytes;
}

void SharedSegment::unmap() noexcept {
  if (data_ != nullptr) ::munmap(data_, static_cast<std::size_t>(size_));
  data_ = nullptr;
  size_ = 0;
}

}  // namespace pipeline::detail
