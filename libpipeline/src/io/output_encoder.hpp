#pragma once
// Private to the library: an output image encoded in its OutputFormat, to a file descriptor (write_image_atomic) or
// into memory (the mpi executor's ranks, which send their outputs back). PNG goes through png_encoder; JPEG, WebP and
// TIFF through libvips' savers, which convert what the format cannot hold (JPEG and WebP take 8 bits: 16-bit samples
// are scaled down; JPEG has no alpha: it is flattened onto black, as libvips does).

#include <cstdint>
#include <vector>

#include "pipeline/image.hpp"
#include "pipeline/output_format.hpp"

namespace pipeline::detail {

// Throws std::invalid_argument for an output format out of range, std::runtime_error with libvips' reason, or
// std::system_error for a failed write.
void write_output(int fd, const Image& image, const OutputFormat& output);
[[nodiscard]] std::vector<std::uint8_t> encode_output(const Image& image, const OutputFormat& output);

}  // namespace pipeline::detail
