#include "pipeline/image_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <vips/vips8>

#include "io/encoded_task.hpp"
#include "io/output_encoder.hpp"
#include "io/png_encoder.hpp"
#include "io/unflushed_output.hpp"
#include "io/vips_loaders.hpp"
#include "pipeline/vips.hpp"
#include "vips_messages.hpp"

namespace pipeline {
namespace {

using vips::VImage;

bool is_grey(VipsInterpretation interpretation) {
  return interpretation == VIPS_INTERPRETATION_B_W || interpretation == VIPS_INTERPRETATION_GREY16;
}

bool is_rgb(VipsInterpretation interpretation) {
  return interpretation == VIPS_INTERPRETATION_sRGB || interpretation == VIPS_INTERPRETATION_RGB ||
         interpretation == VIPS_INTERPRETATION_RGB16;
}

// The rules of normalise(), shared with read_image_header(), which predicts its result from the header alone.
// Grey, RGB and multiband images of up to 4 bands keep their colours; the others (CMYK, Lab, XYZ, scRGB, HSV, ...)
// become sRGB.
bool keeps_its_colours(const VImage& image) {
  const VipsInterpretation interpretation = image.interpretation();
  return is_grey(interpretation) || is_rgb(interpretation) ||
         (interpretation == VIPS_INTERPRETATION_MULTIBAND && image.bands() <= 4);
}

// 16-bit samples stay 16-bit; every other type becomes 8-bit.
bool keeps_its_format(VipsBandFormat format) { return format == VIPS_FORMAT_UCHAR || format == VIPS_FORMAT_USHORT; }

constexpr int max_bands = 4;

// Brings whatever the loader produced to grey / grey+alpha / RGB / RGBA in 8 or 16 bits.
VImage normalise(VImage image) {
  image = image.autorot();  // EXIF orientation, as viewers show it; also clears the orientation tag
  if (!keeps_its_colours(image)) image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  if (image.bands() > max_bands) image = image.extract_band(0, VImage::option()->set("n", max_bands));
  if (!keeps_its_format(image.format())) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

Image to_image(VImage image) {
  image = normalise(image);
  const SampleFormat format = image.format() == VIPS_FORMAT_USHORT ? SampleFormat::u16 : SampleFormat::u8;
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

VipsFailOn vips_fail_on(FailOn level) {
  switch (level) {
    case FailOn::none: return VIPS_FAIL_ON_NONE;
    case FailOn::truncated: return VIPS_FAIL_ON_TRUNCATED;
    case FailOn::error: return VIPS_FAIL_ON_ERROR;
    case FailOn::warning: return VIPS_FAIL_ON_WARNING;
  }
  return VIPS_FAIL_ON_WARNING;
}

// Sequential access lets the loader stream its lines into the Image (random access, libvips' default, first
// decodes the whole image into a buffer of its own). Only an orientation tag that calls for a rotation or a flip
// (autorot in normalise) needs the image at random.
vips::VOption* load_options(const DecodeOptions& options, bool sequential) {
  vips::VOption* vips_options = VImage::option()->set("fail_on", vips_fail_on(options.fail_on));
  if (sequential) vips_options->set("access", VIPS_ACCESS_SEQUENTIAL);
  return vips_options;
}

bool needs_random_access(const VImage& header) {
  if (header.get_typeof(VIPS_META_ORIENTATION) == 0) return false;
  const int orientation = header.get_int(VIPS_META_ORIENTATION);
  return orientation >= 2 && orientation <= 8;
}

// From the header alone, before a pixel is decoded: a file declaring a huge image costs nothing.
void check_pixel_limit(const VImage& header, const DecodeOptions& options, const std::string& name) {
  const auto pixels = static_cast<std::uint64_t>(header.width()) * static_cast<std::uint64_t>(header.height());
  const std::uint64_t limit = effective_max_pixels(options);
  if (pixels > limit) {
    throw ImageIoError(name, fmt::format("{}x{} is {:.1f} MP, over the input limit of {:.1f} MP ({} pixels; "
                                         "max_pixels, --max-pixels in the CLI)",
                                         header.width(), header.height(), static_cast<double>(pixels) / 1e6,
                                         static_cast<double>(limit) / 1e6, limit));
  }
}

// libvips quotes the path in some messages ('file "/in/a.png" does not exist'); the error names the file already.
std::string without_path(std::string text, const std::string& path) {
  if (path.empty()) return text;
  for (const std::string& quoted : {"file \"" + path + "\"", "\"" + path + "\""}) {
    for (std::size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at)) {
      text.replace(at, quoted.size(), "the file");
    }
  }
  return text;
}

// Decodes what `open` opens (a file or a buffer), with its own messages: see vips_messages.hpp.
template <typename Open>
Image decode_attributed(const std::string& name, const DecodeOptions& options, std::string* warnings, Open&& open) {
  ensure_vips_initialized();
  Image decoded;
  detail::VipsOutcome outcome;
  try {
    outcome = detail::run_attributed([&] {
      VImage image = open(load_options(options, true));  // reads the header only
      check_pixel_limit(image, options, name);
      if (needs_random_access(image)) image = open(load_options(options, false));
      decoded = to_image(image);
    });
  } catch (const std::invalid_argument& error) {  // a geometry the Image type refuses
    throw ImageIoError(name, error.what());
  } catch (const std::bad_alloc&) {
    throw ImageIoError(name, "cannot decode: out of memory for its pixels");
  }
  if (outcome.failed) {
    std::string reason = without_path(outcome.reason(), name);
    if (reason.empty()) reason = "unreadable image: libvips' loader failed without saying why";
    throw ImageIoError(name, "cannot decode: " + reason);
  }
  // libvips' own levels stop short of some loaders' warnings: at `warning`, whatever the loader said fails it.
  if (options.fail_on == FailOn::warning && outcome.said_anything()) {
    throw ImageIoError(name, "cannot decode: " + without_path(outcome.everything(), name));
  }
  if (warnings != nullptr) *warnings = without_path(outcome.everything(), name);
  return decoded;
}

}  // namespace

std::string_view to_string(FailOn level) noexcept {
  switch (level) {
    case FailOn::none: return "none";
    case FailOn::truncated: return "truncated";
    case FailOn::error: return "error";
    case FailOn::warning: return "warning";
  }
  return "warning";
}

FailOn parse_fail_on(std::string_view text) {
  for (const FailOn level : {FailOn::none, FailOn::truncated, FailOn::error, FailOn::warning}) {
    if (text == to_string(level)) return level;
  }
  throw std::invalid_argument(
      fmt::format("unknown fail-on level '{}': expected none, truncated, error or warning", text));
}

std::uint64_t effective_max_pixels(const DecodeOptions& options) noexcept {
  const auto type_limit = static_cast<std::uint64_t>(max_image_pixels);
  return options.max_pixels == 0 ? type_limit : std::min(options.max_pixels, type_limit);
}

std::uint64_t ImageHeader::pixels() const noexcept {
  return static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
}

std::uint64_t ImageHeader::decoded_bytes() const noexcept {
  return pixels() * static_cast<std::uint64_t>(bands) * static_cast<std::uint64_t>(bytes_per_sample);
}

ImageHeader read_image_header(const std::filesystem::path& path) {
  ensure_vips_initialized();
  ImageHeader header;
  const detail::VipsOutcome outcome = detail::run_attributed([&] {
    const VImage image = VImage::new_from_file(path.c_str(), load_options({.fail_on = FailOn::none}, true));
    header.decoded_twice = needs_random_access(image);
    const int orientation = header.decoded_twice ? image.get_int(VIPS_META_ORIENTATION) : 1;
    const bool swapped = orientation >= 5;  // 5-8 turn the image by 90 degrees
    header.width = swapped ? image.height() : image.width();
    header.height = swapped ? image.width() : image.height();
    // As normalise() converts: a conversion to sRGB keeps the alpha.
    header.bands = keeps_its_colours(image) ? std::min(image.bands(), max_bands) : (image.has_alpha() ? 4 : 3);
    header.bytes_per_sample = image.format() == VIPS_FORMAT_USHORT ? 2 : 1;
  });
  if (outcome.failed) {
    std::string reason = without_path(outcome.reason(), path.string());
    throw ImageIoError(path.string(),
                       "cannot read its header: " +
                           (reason.empty() ? std::string("libvips' loader failed without saying why") : reason));
  }
  return header;
}

bool is_loadable_image(const std::filesystem::path& path) { return !detail::find_vips_loader(path).empty(); }

bool loader_is_vips_module(const std::filesystem::path& path) {
  return detail::vips_loader_in_module(detail::find_vips_loader(path));
}

bool vips_loader_is_module(std::string_view loader) { return detail::vips_loader_in_module(loader); }

Image decode_image(const std::filesystem::path& path, const DecodeOptions& options, std::string* warnings) {
  return decode_attributed(path.string(), options, warnings,
                           [&path](vips::VOption* load) { return VImage::new_from_file(path.c_str(), load); });
}

Image decode_image(std::span<const std::uint8_t> encoded, const DecodeOptions& options, std::string* warnings) {
  return decode_attributed("image buffer", options, warnings, [encoded](vips::VOption* load) {
    return VImage::new_from_buffer(encoded.data(), encoded.size(), "", load);
  });
}

namespace detail {

UnflushedOutput write_image_unflushed(const Image& image, const std::filesystem::path& path,
                                      const OutputFormat& output) {
  try {
    check_output_format(output);
  } catch (const std::invalid_argument& error) {
    throw ImageIoError(path.string(), fmt::format("{} {}", display_name(output.format), error.what()));
  }
  if (image.empty()) throw ImageIoError(path.string(), "cannot write an empty image");
  return write_unflushed(path, std::string(display_name(output.format)),
                         [&](int fd) { write_output(fd, image, output); });
}

}  // namespace detail

void write_image_atomic(const Image& image, const std::filesystem::path& path, const OutputFormat& output) {
  detail::write_image_unflushed(image, path, output).commit();
}

void write_png_atomic(const Image& image, const std::filesystem::path& path, int compression) {
  write_image_atomic(image, path, {.format = ImageFormat::png, .compression = compression});
}

namespace detail {

void write_encoded_atomic(std::span<const std::uint8_t> file, const std::filesystem::path& path) {
  if (file.empty()) throw ImageIoError(path.string(), "cannot write an empty file");
  write_unflushed(path, "file", [file](int fd) { write_fully(fd, file); }).commit();
}

}  // namespace detail

}  // namespace pipeline
