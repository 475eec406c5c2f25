#include "pipeline/image_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <vips/vips8>

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
  std::size_t size = 0;
  void* memory = image.write_to_memory(&size);  // decodes here: pixel errors surface as VError now
  std::vector<std::uint8_t> pixels(static_cast<std::uint8_t*>(memory), static_cast<std::uint8_t*>(memory) + size);
  g_free(memory);
  return Image(image.width(), image.height(), image.bands(), format, std::move(pixels));
}

// Corrupt or truncated data is an error, not a grey-filled image (libvips' default is to carry on).
vips::VOption* strict_load() { return VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR); }

}  // namespace

bool is_loadable_image(const std::filesystem::path& path) {
  const char* loader = vips_foreign_find_load(path.c_str());
  if (loader == nullptr) vips_error_clear();
  return loader != nullptr;
}

Image decode_image(const std::filesystem::path& path) {
  try {
    return to_image(VImage::new_from_file(path.c_str(), strict_load()));
  } catch (const vips::VError& error) {
    throw ImageIoError(fmt::format("{}: cannot decode: {}", path.string(), message_of(error)));
  } catch (const std::invalid_argument& error) {
    throw ImageIoError(fmt::format("{}: {}", path.string(), error.what()));
  }
}

Image decode_image(std::span<const std::uint8_t> encoded) {
  try {
    return to_image(VImage::new_from_buffer(encoded.data(), encoded.size(), "", strict_load()));
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
  const std::filesystem::path temporary =
      path.parent_path() / fmt::format(".{}.{}.{}.tmp.png", path.filename().string(), ::getpid(), counter++);
  try {
    const bool sixteen = image.format() == SampleFormat::u16;
    const bool grey = image.bands() <= 2;
    const VipsInterpretation interpretation = grey ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
                                                   : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
    // new_from_memory wraps the pixels without copying; libvips only reads them while saving.
    VImage wrapped = VImage::new_from_memory(const_cast<std::uint8_t*>(image.bytes().data()), image.size_bytes(),
                                             image.width(), image.height(), image.bands(),
                                             sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
    wrapped = wrapped.copy(VImage::option()->set("interpretation", interpretation));
    wrapped.pngsave(temporary.c_str(), VImage::option()->set("compression", compression));

    // Flush to disk before the rename, so a crash cannot leave a renamed but empty file.
    const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int saved = errno;
      if (fd >= 0) ::close(fd);
      throw std::system_error(saved, std::generic_category(), "fsync");
    }
    ::close(fd);
    std::filesystem::rename(temporary, path);
  } catch (const vips::VError& error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw ImageIoError(fmt::format("{}: cannot write PNG: {}", path.string(), message_of(error)));
  } catch (const std::exception& error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw ImageIoError(fmt::format("{}: cannot write PNG: {}", path.string(), error.what()));
  }
}

}  // namespace pipeline
