#pragma once
// How outputs are encoded: PNG through the project's own encoder (the default), or JPEG, WebP or TIFF through
// libvips' savers, each with its one knob: the deflate level of the lossless formats, the quality of the lossy ones.

#include <cstdint>
#include <string>
#include <string_view>

namespace pipeline {

enum class ImageFormat : std::uint8_t { png = 0, jpeg = 1, webp = 2, tiff = 3 };

// "png", "jpeg", "webp" or "tiff".
[[nodiscard]] std::string_view to_string(ImageFormat format) noexcept;
// Those names, or "jpg" / "tif", in any case; throws std::invalid_argument naming the choices.
[[nodiscard]] ImageFormat parse_image_format(std::string_view text);
// As people write it: "PNG", "JPEG", "WebP" or "TIFF".
[[nodiscard]] std::string_view display_name(ImageFormat format) noexcept;
// The output file's extension, with its dot: ".png", ".jpg", ".webp" or ".tif".
[[nodiscard]] std::string_view file_extension(ImageFormat format) noexcept;

struct OutputFormat {
  ImageFormat format = ImageFormat::png;
  // PNG and TIFF (lossless): the deflate level, 0 (none) to 9 (the slowest). PNG's level 1, the default, is the
  // fast coder (Huffman codes over literals and runs, no LZ77 search): on the filtered rows of photos' outputs
  // it wrote 1-5% fewer bytes than level 6 at about a fifth of the time (benchmarks/README.md, "PNG encoding").
  int compression = 1;
  // JPEG and WebP (lossy): 1 (smallest) to 100 (best). 75 is libvips' default for both, as for cwebp and cjpeg.
  int quality = 75;
};

inline constexpr int min_output_quality = 1;
inline constexpr int max_output_quality = 100;
inline constexpr int max_output_compression = 9;

// Throws std::invalid_argument if the compression or the quality is out of its range.
void check_output_format(const OutputFormat& output);

// What a summary says of it: "PNG, deflate level 1", "JPEG, quality 75", "WebP, quality 75", "TIFF, deflate level
// 6" (only the knob the format uses).
[[nodiscard]] std::string describe(const OutputFormat& output);

}  // namespace pipeline
