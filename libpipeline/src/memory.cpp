#include "pipeline/memory.hpp"

// Any libc header defines __GLIBC__; without one first, the test below is always false and the tuning silently
// never happens (it did not, until this include).
#include <features.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pipeline {

bool tune_allocator_for_images() noexcept {
#if defined(__GLIBC__)
  // Blocks up to 32 MiB (glibc's maximum; a 4K RGB image is 25 MB) come from the heap, and up to 1 GiB of freed
  // memory stays mapped for reuse rather than being trimmed after every image.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024) == 1;
  return mmap_ok && trim_ok;
#else
  return false;
#endif
}

}  // namespace pipeline
