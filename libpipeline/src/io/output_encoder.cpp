#include "io/output_encoder.hpp"

#include <glib.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include <vips/vips8>

#include "io/png_encoder.hpp"
#include "pipeline/vips.hpp"
#include "vips_messages.hpp"

namespace pipeline::detail {
namespace {

using vips::VImage;

// libvips' saver for the format, by the suffix it is chosen with, and its options.
const char* saver_suffix(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg: return ".jpg";
    case ImageFormat::webp: return ".webp";
    case ImageFormat::tiff: return ".tif";
    case ImageFormat::png: break;
  }
  throw std::logic_error("PNG is encoded by png_encoder, not libvips");
}

vips::VOption* saver_options(const OutputFormat& output) {
  vips::VOption* options = VImage::option()->set("strip", true);
  if (output.format == ImageFormat::tiff) {
    if (output.compression == 0) return options->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_NONE);
    // Horizontal differencing before deflate, as PNG's filters do: photos shrink by a third more than without.
    return options->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE)
        ->set("predictor", VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL)
        ->set("level", output.compression);
  }
  return options->set("Q", output.quality);
}

// The image as libvips sees it, over its samples (no copy): new_from_memory guesses the interpretation from the
// bands and sample type (B_W, sRGB, GREY16, RGB16), which is what an Image holds.
VImage vips_view(const Image& image) {
  VipsImage* view =
      vips_image_new_from_memory(image.bytes().data(), image.size_bytes(), image.width(), image.height(), image.bands(),
                                 image.format() == SampleFormat::u16 ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
  if (view == nullptr) throw vips::VError();
  return VImage(view);
}

// Runs a libvips save with its messages attributed to this call (vips_messages.hpp), so the reason thrown is this
// image's own.
template <typename Save>
void save_attributed(Save&& save) {
  const VipsOutcome outcome = run_attributed(save);
  if (outcome.failed) {
    const std::string reason = outcome.reason();
    throw std::runtime_error(reason.empty() ? std::string("libvips' saver failed without saying why") : reason);
  }
}

}  // namespace

void write_output(int fd, const Image& image, const OutputFormat& output) {
  check_output_format(output);
  if (output.format == ImageFormat::png) {
    write_png(fd, image, output.compression);
    return;
  }
  ensure_vips_initialized();
  save_attributed([&] {
    vips_view(image).write_to_target(saver_suffix(output.format), vips::VTarget::new_to_descriptor(fd),
                                     saver_options(output));
  });
}

std::vector<std::uint8_t> encode_output(const Image& image, const OutputFormat& output) {
  check_output_format(output);
  if (output.format == ImageFormat::png) return encode_png(image, output.compression);
  ensure_vips_initialized();
  std::vector<std::uint8_t> encoded;
  save_attributed([&] {
    void* buffer = nullptr;
    std::size_t size = 0;
    vips_view(image).write_to_buffer(saver_suffix(output.format), &buffer, &size, saver_options(output));
    encoded.resize(size);
    if (size > 0) std::memcpy(encoded.data(), buffer, size);
    g_free(buffer);
  });
  return encoded;
}

}  // namespace pipeline::detail
