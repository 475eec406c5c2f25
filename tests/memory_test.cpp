// The allocator tuning for image-sized buffers takes effect where it can (glibc).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "pipeline/memory.hpp"

TEST_CASE("the allocator tuning takes effect on glibc", "[memory]") {
#if defined(__GLIBC__)
  CHECK(pipeline::tune_allocator_for_images());
#else
  CHECK_FALSE(pipeline::tune_allocator_for_images());
#endif
}
