#include "pipeline/image_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <vips/vips8>

#include "png_encoder.hpp"
#include "temporary_output.hpp"

namespace pipeline {
namespace {

using vips::VImage;

// libvips' message, one line, with its error buffer left clean for the next call on this thread.
std::string message_of(const vips::VError& error) {
  vips_error_clear();
  std::string message = error.what();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n') c = ';';
  }
  return message;
}

bool is_grey(VipsInterpretation interpretation) {
  return interpretation == VIPS_INTERPRETATION_B_W || interpretation == VIPS_INTERPRETATION_GREY16;
}

bool is_rgb(VipsInterpretation interpretation) {
  return interpretation == VIPS_INTERPRETATION_sRGB || interpretation == VIPS_INTERPRETATION_RGB ||
         interpretation == VIPS_INTERPRETATION_RGB16;
}

// Brings whatever the loader produced to grey / grey+alpha / RGB / RGBA in 8 or 16 bits.
VImage normalise(VImage image) {
  image = image.autorot();  // EXIF orientation, as viewers show it; also clears the orientation tag
  const VipsInterpretation interpretation = image.interpretation();
  const bool multiband_as_is = interpretation == VIPS_INTERPRETATION_MULTIBAND && image.bands() <= 4;
  if (!is_grey(interpretation) && !is_rgb(interpretation) && !multiband_as_is) {
    image = image.colourspace(VIPS_INTERPRETATION_sRGB);  // CMYK, Lab, XYZ, scRGB, HSV, ...
  }
  if (image.bands() > 4) image = image.extract_band(0, VImage::option()->set("n", 4));
  const VipsBandFormat format = image.format();
  if (format != VIPS_FORMAT_UCHAR && format != VIPS_FORMAT_USHORT) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

Image to_image(VImage image) {
  image = normalise(image);
  const SampleFormat format = image.format() == VIPS_FORMAT_USHORT ? SampleFormat::u16 : SampleFormat::u8;
  if (static_cast<std::int64_t>(image.width()) * image.height() > max_image_pixels) {
    throw ImageIoError(fmt::format("image of {}x{} exceeds the pixel limit", image.width(), image.height()));
  }
  // Decodes straight into the Image's samples, as vips_image_write_to_memory() does into a buffer of its own: the
  // loader's lines are written where they stay, no copy after. Pixel errors surface here, as VError.
  Image decoded = Image::uninitialized(image.width(), image.height(), image.bands(), format);
  VipsImage* target = vips_image_new_from_memory(decoded.bytes().data(), decoded.size_bytes(), image.width(),
                                                 image.height(), image.bands(), image.format());
  if (target == nullptr) throw vips::VError();
  const int failed = vips_image_write(image.get_image(), target);
  g_object_unref(target);
  if (failed != 0) throw vips::VError();
  return decoded;
}

// Corrupt or truncated data is an error, not a grey-filled image (libvips' default is to carry on).
// Sequential access lets the loader stream its lines into the Image (random access, libvips' default, first
// decodes the whole image into a buffer of its own). Only an orientation tag that calls for a rotation or a flip
// (autorot in normalise) needs the image at random.
vips::VOption* load_options(bool sequential) {
  vips::VOption* options = VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR);
  if (sequential) options->set("access", VIPS_ACCESS_SEQUENTIAL);
  return options;
}

bool needs_random_access(const VImage& header) {
  if (header.get_typeof(VIPS_META_ORIENTATION) == 0) return false;
  const int orientation = header.get_int(VIPS_META_ORIENTATION);
  return orientation >= 2 && orientation <= 8;
}

}  // namespace

bool is_loadable_image(const std::filesystem::path& path) {
  const char* loader = vips_foreign_find_load(path.c_str());
  if (loader == nullptr) vips_error_clear();
  return loader != nullptr;
}

Image decode_image(const std::filesystem::path& path) {
  try {
    // Opening reads only the header; the pixels are decoded in to_image.
    VImage image = VImage::new_from_file(path.c_str(), load_options(true));
    if (needs_random_access(image)) image = VImage::new_from_file(path.c_str(), load_options(false));
    return to_image(image);
  } catch (const vips::VError& error) {
    throw ImageIoError(fmt::format("{}: cannot decode: {}", path.string(), message_of(error)));
  } catch (const std::invalid_argument& error) {
    throw ImageIoError(fmt::format("{}: {}", path.string(), error.what()));
  }
}

Image decode_image(std::span<const std::uint8_t> encoded) {
  try {
    VImage image = VImage::new_from_buffer(encoded.data(), encoded.size(), "", load_options(true));
    if (needs_random_access(image)) image = VImage::new_from_buffer(encoded.data(), encoded.size(), "", load_options(false));
    return to_image(image);
  } catch (const vips::VError& error) {
    throw ImageIoError(fmt::format("cannot decode image buffer: {}", message_of(error)));
  }
}

void write_png_atomic(const Image& image, const std::filesystem::path& path, int compression) {
  if (compression < 0 || compression > 9) {
    throw ImageIoError(fmt::format("{}: PNG compression must be 0..9, got {}", path.string(), compression));
  }
  if (image.empty()) throw ImageIoError(fmt::format("{}: cannot write an empty image", path.string()));

  static std::atomic<unsigned> counter{0};
  const std::filesystem::path temporary = detail::temporary_output_path(path, ::getpid(), counter++);
  int fd = -1;
  try {
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + temporary.string());
    detail::write_png(fd, image, compression);
    // Flushed to disk before the rename, so a crash cannot leave a renamed but empty file.
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) throw std::system_error(errno, std::generic_category(), "close");
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& error) {
    if (fd >= 0) ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw ImageIoError(fmt::format("{}: cannot write PNG: {}", path.string(), error.what()));
  }
}

}  // namespace pipeline
