#pragma once
// Private to the library: the memory a process-pool worker shares with the parent (Transport::shared_memory).
//
// The segment is an anonymous memfd, not a named POSIX shm object: it has no name in /dev/shm, so nothing is
// left behind whichever process dies, and the kernel frees it when the last descriptor and mapping go. The parent
// creates it (close-on-exec, so no other child inherits it), hands it to its one worker as an inherited
// descriptor (worker_process.hpp), and is the only side that grows it. It is sealed against shrinking: neither
// side can make the other's mapping reach past the end of the file (SIGBUS); the other seals are locked out.
// Both sides map it with MAP_POPULATE: on this kind of machine a page fault costs microseconds, and the same
// pages serve every image of the session.

#include <cstdint>
#include <span>

namespace pipeline::detail {

// Memory files (segments and shared image memory) are sized and laid out in whole pages.
inline constexpr std::uint64_t page_bytes = 4096;
[[nodiscard]] constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t to) noexcept {
  return (value + to - 1) / to * to;
}

class SharedSegment {
 public:
  // The parent's side: a new segment of 0 bytes, nothing mapped. Throws std::system_error.
  [[nodiscard]] static SharedSegment create();
  // The worker's side: takes ownership of the inherited `fd` (made close-on-exec) and maps `bytes` of it (0:
  // nothing yet). Throws std::runtime_error if `fd` is not a segment sealed against shrinking or is shorter.
  [[nodiscard]] static SharedSegment adopt(int fd, std::uint64_t bytes);

  SharedSegment() = default;
  ~SharedSegment();
  SharedSegment(SharedSegment&& other) noexcept;
  SharedSegment& operator=(SharedSegment&& other) noexcept;
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;

  [[nodiscard]] int fd() const noexcept { return fd_; }
  // The bytes mapped: the size the protocol's offsets are checked against.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] std::span<std::uint8_t> bytes() const noexcept { return {data_, static_cast<std::size_t>(size_)}; }

  // The parent's side: makes the file `bytes` long (never shorter than it is) and maps all of it.
  void grow(std::uint64_t bytes);
  // The worker's side, after the parent grew the file: maps `bytes` of it. Throws std::runtime_error if the file
  // is shorter (the parent said more than it did) or `bytes` is less than mapped now.
  void remap(std::uint64_t bytes);

 private:
  void map(std::uint64_t bytes);
  void unmap() noexcept;

  int fd_ = -1;
  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace pipeline::detail
