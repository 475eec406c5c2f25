// The allocator tuning for image-sized buffers takes effect where it can (glibc's own allocator).
#include "pipeline/memory.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

TEST_CASE("the allocator tuning takes effect on glibc, and says so where it cannot", "[memory]") {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  CHECK(pipeline::tune_allocator_for_images());
#else
  // Not glibc, or AddressSanitizer's allocator in its place (its mallopt accepts nothing).
  CHECK_FALSE(pipeline::tune_allocator_for_images());
#endif
}
