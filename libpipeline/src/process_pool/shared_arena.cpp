#include "process_pool/shared_arena.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "process_pool/shared_memory.hpp"

namespace pipeline::detail {
namespace {

// The file grows by a quarter, in steps of at least this much: few ftruncate calls for a batch of images, and
// little beyond what is used (workers map in all of the file: shared_arena.hpp).
constexpr std::uint64_t growth_granule = std::uint64_t{4} << 20;
// Freed pages stay resident for reuse up to this much, or as much as is in use if more; past it, freed blocks of
// a MiB or more are handed back to the system.
constexpr std::uint64_t retained_free_bytes = std::uint64_t{256} << 20;
constexpr std::uint64_t punch_min_bytes = std::uint64_t{1} << 20;
// The descriptor stays above the numbers workers inherit descriptors under (3 and 4): placing one there in the
// child must never clobber the other before it is placed.
constexpr int min_arena_fd = 10;

std::atomic<SharedArena*> active_arena{nullptr};
std::mutex activation_mutex;

std::string errno_text(const char* what) { return fmt::format("{}: {}", what, std::strerror(errno)); }

std::uint64_t file_size(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0)
    throw std::system_error(errno, std::generic_category(), "fstat of shared image memory");
  return static_cast<std::uint64_t>(status.st_size);
}

}  // namespace

SharedArena* SharedArena::active() noexcept { return active_arena.load(std::memory_order_acquire); }

bool SharedArena::activate(std::uint64_t capacity_bytes, std::string* why) {
  const std::lock_guard lock(activation_mutex);
  if (active() != nullptr) return true;
  auto fail = [why](std::string message) {
    if (why != nullptr) *why = std::move(message);
    return false;
  };
#if defined(__linux__)
  const std::uint64_t capacity = round_up(capacity_bytes, page_bytes);
  if (capacity == 0 || capacity > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
    return fail(fmt::format("a capacity of {} bytes", capacity_bytes));
  }
  const int created = ::memfd_create("image-pipeline-images", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (created < 0) return fail(errno_text("memfd_create"));
  const int fd = ::fcntl(created, F_DUPFD_CLOEXEC, min_arena_fd);
  const int saved = errno;
  ::close(created);
  if (fd < 0) {
    errno = saved;
    return fail(errno_text("moving the descriptor"));
  }
  // Sealed against shrinking: no one can make another process's mapping reach past the end of the file.
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    const std::string message = errno_text("sealing");
    ::close(fd);
    return fail(message);
  }
  void* base =
      ::mmap(nullptr, static_cast<std::size_t>(capacity), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    const std::string message = errno_text("reserving the address space");
    ::close(fd);
    return fail(message);
  }
  // Never destroyed: images in static storage may give their samples back after any destructor here would run.
  active_arena.store(new SharedArena(fd, static_cast<std::uint8_t*>(base), capacity), std::memory_order_release);
  return true;
#else
  (void)capacity_bytes;
  return fail("shared image memory needs Linux (memfd)");
#endif
}

std::uint8_t* SharedArena::allocate(std::size_t bytes) noexcept {
  const std::uint64_t size = round_up(std::max<std::uint64_t>(bytes, 1), page_bytes);
  const std::lock_guard lock(mutex_);
  // Best fit among the freed blocks: the same sizes come back run after run, and land where they were.
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second >= size && (best == free_.end() || it->second < best->second)) best = it;
  }
  std::uint64_t offset = 0;
  if (best != free_.end()) {
    offset = best->first;
    const std::uint64_t left = best->second - size;
    free_.erase(best);
    if (left > 0) free_.emplace(offset + size, left);
    free_total_ -= size;
  } else {
    if (size > capacity_ - top_) return nullptr;
    offset = top_;
    const std::uint64_t end = top_ + size;
    if (end > file_bytes_) {
      const std::uint64_t grown =
          std::min(capacity_, round_up(std::max(end, file_bytes_ + file_bytes_ / 4), growth_granule));
      if (::ftruncate(fd_, static_cast<off_t>(grown)) != 0) return nullptr;
      file_bytes_ = grown;
    }
    top_ = end;
    high_water_ = std::max(high_water_, end);
  }
  used_.emplace(offset, size);
  in_use_ += size;
  return base_ + offset;
}

void SharedArena::release(std::uint8_t* data) noexcept {
  const auto offset = static_cast<std::uint64_t>(data - base_);
  const std::lock_guard lock(mutex_);
  const auto it = used_.find(offset);
  if (it == used_.end()) return;  // not ours: cannot happen through Image
  const std::uint64_t size = it->second;
  used_.erase(it);
  in_use_ -= size;
  // Free space counts whether or not its pages were handed back already: a cheap bound, erring on handing back.
  const std::uint64_t free_bytes = free_total_ + (high_water_ - top_) + size;
  if (size >= punch_min_bytes && free_bytes > std::max(retained_free_bytes, in_use_)) {
    // Hand the pages back; the range stays valid (it reads as zeros) and is reused like any other.
    (void)::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                      static_cast<off_t>(size));
  }
  add_free(offset, size);
}

void SharedArena::add_free(std::uint64_t offset, std::uint64_t bytes) {
  auto next = free_.lower_bound(offset);
  if (next != free_.begin()) {
    auto previous = std::prev(next);
    if (previous->first + previous->second == offset) {
      offset = previous->first;
      bytes += previous->second;
      free_total_ -= previous->second;
      free_.erase(previous);
    }
  }
  if (next != free_.end() && offset + bytes == next->first) {
    bytes += next->second;
    free_total_ -= next->second;
    free_.erase(next);
  }
  if (offset + bytes == top_) {
    top_ = offset;  // the free space at the top is the top's
  } else {
    free_.emplace(offset, bytes);
    free_total_ += bytes;
  }
}

std::optional<std::uint64_t> SharedArena::offset_of(const void* data, std::size_t bytes) const noexcept {
  const auto* p = static_cast<const std::uint8_t*>(data);
  if (p < base_ || p >= base_ + capacity_) return std::nullopt;
  const auto offset = static_cast<std::uint64_t>(p - base_);
  if (bytes > capacity_ - offset) return std::nullopt;
  return offset;
}

ArenaUse SharedArena::use() const {
  struct stat file {};
  const std::uint64_t resident = ::fstat(fd_, &file) == 0 ? static_cast<std::uint64_t>(file.st_blocks) * 512 : 0;
  const std::lock_guard lock(mutex_);
  return {capacity_, file_bytes_, in_use_, resident, used_.size()};
}

ArenaMapping ArenaMapping::adopt(int fd, std::uint64_t capacity) {
  ArenaMapping mapping;
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) throw std::runtime_error(fmt::format("shared image memory descriptor {} is not open", fd));
  mapping.fd_ = fd;
  if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "fcntl");
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) {
    throw std::runtime_error(fmt::format("descriptor {} is not shared image memory sealed against shrinking", fd));
  }
  if (capacity == 0 || capacity > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
    throw std::runtime_error(fmt::format("shared image memory of {} bytes", capacity));
  }
  void* base =
      ::mmap(nullptr, static_cast<std::size_t>(capacity), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mapping shared image memory");
  mapping.base_ = static_cast<std::uint8_t*>(base);
  mapping.capacity_ = capacity;
  // Every page there is now, mapped in while the worker starts (start-up, not a task's time): the images of a
  // batch made before the pool are all there, and a task then touches no page for the first time.
  mapping.known_file_bytes_ = std::min(file_size(fd), capacity);
  mapping.populate(0, mapping.known_file_bytes_);
  return mapping;
}

ArenaMapping::~ArenaMapping() {
  if (base_ != nullptr) ::munmap(base_, static_cast<std::size_t>(capacity_));
  if (fd_ >= 0) ::close(fd_);
}

ArenaMapping::ArenaMapping(ArenaMapping&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      known_file_bytes_(std::exchange(other.known_file_bytes_, 0)) {}

ArenaMapping& ArenaMapping::operator=(ArenaMapping&& other) noexcept {
  if (this != &other) {
    ArenaMapping old(std::move(*this));
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    known_file_bytes_ = std::exchange(other.known_file_bytes_, 0);
  }
  return *this;
}

std::span<std::uint8_t> ArenaMapping::bytes(std::uint64_t offset, std::uint64_t bytes) {
  if (base_ == nullptr) throw std::runtime_error("no shared image memory is mapped");
  if (offset > capacity_ || bytes > capacity_ - offset) {
    throw std::runtime_error(
        fmt::format("[{}, +{}) lies outside the {}-byte shared image memory", offset, bytes, capacity_));
  }
  if (offset + bytes > known_file_bytes_) {
    // The parent grew the file: the new part is mapped in at once (see populate()).
    const std::uint64_t size = std::min(file_size(fd_), capacity_);
    if (offset + bytes > size) {
      throw std::runtime_error(
          fmt::format("[{}, +{}) lies past the end of the {}-byte shared image memory", offset, bytes, size));
    }
    populate(known_file_bytes_, size - known_file_bytes_);
    known_file_bytes_ = size;
  }
  std::uint8_t* data = base_ + offset;
  return {data, static_cast<std::size_t>(bytes)};
}

void ArenaMapping::populate(std::uint64_t offset, std::uint64_t bytes) noexcept {
#if defined(MADV_POPULATE_WRITE)
  // One call fills in the page tables of the whole range, instead of a fault per page later (a few microseconds
  // each on a VM: for a photo-sized image as much as a tenth of its filtering). Failure (an older kernel) only
  // means faulting instead.
  if (bytes > 0) (void)::madvise(base_ + offset, static_cast<std::size_t>(bytes), MADV_POPULATE_WRITE);
#else
  (void)offset;
  (void)bytes;
#endif
}

}  // namespace pipeline::detail
