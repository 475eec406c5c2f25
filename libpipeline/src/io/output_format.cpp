#include "pipeline/output_format.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace pipeline {

std::string_view to_string(ImageFormat format) noexcept {
  switch (format) {
    case ImageFormat::png: return "png";
    case ImageFormat::jpeg: return "jpeg";
    case ImageFormat::webp: return "webp";
    case ImageFormat::tiff: return "tiff";
  }
  return "png";
}

ImageFormat parse_image_format(std::string_view text) {
  std::string name(text);
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "png") return ImageFormat::png;
  if (name == "jpeg" || name == "jpg") return ImageFormat::jpeg;
  if (name == "webp") return ImageFormat::webp;
  if (name == "tiff" || name == "tif") return ImageFormat::tiff;
  throw std::invalid_argument(fmt::format("unknown output format '{}': png, jpeg, webp or tiff", text));
}

std::string_view display_name(ImageFormat format) noexcept {
  switch (format) {
    case ImageFormat::png: return "PNG";
    case ImageFormat::jpeg: return "JPEG";
    case ImageFormat::webp: return "WebP";
    case ImageFormat::tiff: return "TIFF";
  }
  return "PNG";
}

std::string_view file_extension(ImageFormat format) noexcept {
  switch (format) {
    case ImageFormat::png: return ".png";
    case ImageFormat::jpeg: return ".jpg";
    case ImageFormat::webp: return ".webp";
    case ImageFormat::tiff: return ".tif";
  }
  return ".png";
}

void check_output_format(const OutputFormat& output) {
  if (output.compression < 0 || output.compression > max_output_compression) {
    throw std::invalid_argument(
        fmt::format("compression must be 0..{}, got {}", max_output_compression, output.compression));
  }
  if (output.quality < min_output_quality || output.quality > max_output_quality) {
    throw std::invalid_argument(
        fmt::format("quality must be {}..{}, got {}", min_output_quality, max_output_quality, output.quality));
  }
}

std::string describe(const OutputFormat& output) {
  const std::string_view name = display_name(output.format);
  switch (output.format) {
    case ImageFormat::png: return fmt::format("{}, deflate level {}", name, output.compression);
    case ImageFormat::jpeg:
    case ImageFormat::webp: return fmt::format("{}, quality {}", name, output.quality);
    case ImageFormat::tiff:
      return output.compression == 0 ? fmt::format("{}, uncompressed", name)
                                     : fmt::format("{}, deflate level {}", name, output.compression);
  }
  return {};
}

}  // namespace pipeline
