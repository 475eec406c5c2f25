#pragma once
// Private to the library: the memory under shared image memory (shared_image_memory.hpp), from both sides.
//
// SharedArena is the parent's: one memfd, sealed against shrinking, mapped once over its whole capacity
// (MAP_NORESERVE: address space only), grown with ftruncate as blocks are needed. Blocks are whole pages, found
// best-fit among freed ones (coalesced), else taken from the top. It lives as long as the process.
// ArenaMapping is a worker's: the same file inherited as a descriptor and mapped whole, every access checked
// against the file's size, so a wrong offset is an error, never a SIGBUS.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

namespace pipeline::detail {

// What a SharedArena holds now (shared_image_memory_use()).
struct ArenaUse {
  std::uint64_t capacity_bytes = 0;  // address space reserved
  std::uint64_t file_bytes = 0;      // size of the memory file: the most ever in use, rounded up
  std::uint64_t in_use_bytes = 0;    // in live blocks (page-rounded)
  std::uint64_t resident_bytes = 0;  // memory the file holds now: pages touched and not handed back
  std::uint64_t blocks = 0;          // live blocks
};

class SharedArena {
 public:
  // nullptr until use_shared_image_memory() succeeded.
  [[nodiscard]] static SharedArena* active() noexcept;
  static bool activate(std::uint64_t capacity_bytes, std::string* why);

  // A block of at least `bytes` (> 0), page-aligned; nullptr when the capacity or the system's memory is exhausted.
  [[nodiscard]] std::uint8_t* allocate(std::size_t bytes) noexcept;
  void release(std::uint8_t* data) noexcept;
  // The offset of [data, data + bytes) when it lies inside this memory.
  [[nodiscard]] std::optional<std::uint64_t> offset_of(const void* data, std::size_t bytes) const noexcept;

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] ArenaUse use() const;

 private:
  SharedArena(int fd, std::uint8_t* base, std::uint64_t capacity) : fd_(fd), base_(base), capacity_(capacity) {}
  void add_free(std::uint64_t offset, std::uint64_t bytes);  // coalescing; lowers the top when it reaches it

  int fd_;
  std::uint8_t* base_;
  std::uint64_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::uint64_t> free_;            // offset -> bytes, below top_
  std::unordered_map<std::uint64_t, std::uint64_t> used_;  // offset -> bytes
  std::uint64_t top_ = 0;                                  // end of the highest block in use
  std::uint64_t file_bytes_ = 0;                           // the file's size (never shrinks)
  std::uint64_t in_use_ = 0;
  std::uint64_t free_total_ = 0;  // the bytes in free_
  std::uint64_t high_water_ = 0;  // highest end of any block ever used: pages below it may be resident
};

class ArenaMapping {
 public:
  // Takes ownership of the inherited `fd` (made close-on-exec) and maps `capacity` bytes of address space over it.
  // Throws std::runtime_error if it is not a memory file sealed against shrinking.
  [[nodiscard]] static ArenaMapping adopt(int fd, std::uint64_t capacity);

  ArenaMapping() = default;
  ~ArenaMapping();
  ArenaMapping(ArenaMapping&& other) noexcept;
  ArenaMapping& operator=(ArenaMapping&& other) noexcept;
  ArenaMapping(const ArenaMapping&) = delete;
  ArenaMapping& operator=(const ArenaMapping&) = delete;

  [[nodiscard]] bool mapped() const noexcept { return base_ != nullptr; }
  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }
  // Bytes [offset, offset + bytes). Throws std::runtime_error when they are not all inside the file. The whole
  // file is mapped in (page tables filled) when adopted and whenever it has grown, one call each time.
  [[nodiscard]] std::span<std::uint8_t> bytes(std::uint64_t offset, std::uint64_t bytes);

 private:
  void populate(std::uint64_t offset, std::uint64_t bytes) noexcept;

  int fd_ = -1;
  std::uint8_t* base_ = nullptr;
  std::uint64_t capacity_ = 0;
  std::uint64_t known_file_bytes_ = 0;  // the file never shrinks: what it was once is still there
};

}  // namespace pipeline::detail
