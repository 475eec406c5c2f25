#pragma once
// A run of built-in filters executed row by row in one pass.
//
// Run one filter after another and every stage writes a whole intermediate image and the next reads it back:
// four full-image round trips through memory for the default chain, plus fresh allocations. Here each stage
// keeps only the three input rows its 3x3 stencil needs and hands every finished row straight to the next stage,
// so the working set is a few rows per stage and stays in cache. The arithmetic is the very same row kernels
// (row_kernels.hpp), so the pixels are identical to running the filters one by one.

#include <array>
#include <cstdint>
#include <span>

#include "pipeline/image.hpp"

namespace pipeline::kernels {

struct FusedStage {
  enum class Kind { grayscale, blur, sobel, sharpen, lookup };
  Kind kind = Kind::grayscale;
  std::array<std::uint8_t, 256> table{};  // for lookup
};

// Applies `stages` in order to `input` (any layout: the first non-grayscale stage converts as grayscale does).
[[nodiscard]] Image run_fused(const Image& input, std::span<const FusedStage> stages);
// The same, written into `output`, which must be 8-bit grey of the input's size (every sample is written): the
// caller owns the memory, e.g. shared memory the result must end up in.
void run_fused_into(const Image& input, std::span<const FusedStage> stages, Image& output);

}  // namespace pipeline::kernels
