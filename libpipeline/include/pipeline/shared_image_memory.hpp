#pragma once
// Shared image memory: the samples of images live in one memory file that the process pool's workers map too.
//
// With the shared-memory transport, a worker then filters an image where it lies and writes its output straight
// into an image the parent allocated there: no sample is copied on either side, and only a few dozen bytes per
// image go through the pipes. Without it the pool copies each image into the worker's own segment and the output
// back out, which at a few ms per image of filtering is a visible share of the time.
//
// Example: examples/shared_image_memory.cpp.
//
// Turn it on before creating the images (and the pool) and leave it on: it is process-wide and cannot be turned
// off. Images made before it, or once it is full, come from the heap and travel by copy, with the same results.
// The memory is an anonymous memfd: nothing is left in /dev/shm whichever process dies. It is reserved as
// address space, not memory: pages are used only once images touch them, and freed images' pages are reused
// (the largest freed blocks are handed back to the system when much more is free than in use).
//
// Only for cooperating processes: a worker can write anywhere in this memory, just as a thread can write anywhere
// in the process. Linux only; elsewhere use_shared_image_memory() returns false.

#include <cstdint>
#include <string>

#include "pipeline/image.hpp"

namespace pipeline {

inline constexpr std::uint64_t default_shared_image_capacity = std::uint64_t{64} << 30;  // address space, not RAM

// Turns shared image memory on, reserving `capacity_bytes` of address space. Returns false, and leaves images on
// the heap, where it cannot be set up (`why`, if given, says why). Calling it again returns true and keeps the first
// capacity.
bool use_shared_image_memory(std::uint64_t capacity_bytes = default_shared_image_capacity, std::string* why = nullptr);

struct SharedImageMemoryUse {
  bool on = false;
  std::uint64_t capacity_bytes = 0;  // address space reserved
  std::uint64_t file_bytes = 0;      // size of the memory file: the most ever in use, rounded up
  std::uint64_t in_use_bytes = 0;    // in live images (page-rounded)
  std::uint64_t resident_bytes = 0;  // memory the file holds now: pages touched and not handed back
  std::uint64_t blocks = 0;          // live images in it
};
[[nodiscard]] SharedImageMemoryUse shared_image_memory_use();

// True when `image`'s samples are in shared image memory (so the process pool passes it without a copy).
[[nodiscard]] bool in_shared_image_memory(const Image& image) noexcept;

}  // namespace pipeline
