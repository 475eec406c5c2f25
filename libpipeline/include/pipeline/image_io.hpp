#pragma once
// Decoding through libvips; PNG encoding with libdeflate, the other output formats with libvips' savers.

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pipeline/image.hpp"
#include "pipeline/output_format.hpp"

namespace pipeline {

// A file that cannot be decoded or written. what() names the file and gives the reason; reason() is the reason
// alone, for messages that name the file already.
class ImageIoError : public std::runtime_error {
 public:
  ImageIoError(const std::string& file, const std::string& reason)
      : std::runtime_error(file.empty() ? reason : file + ": " + reason), reason_(reason) {}
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

// How much a decoder may let pass, libvips' `fail_on` levels, from the most lenient: `none` decodes whatever it
// can (a truncated file's missing rows come out grey), `truncated` refuses truncated files, `error` refuses data
// the loader calls an error, `warning` refuses anything the loader warns about too (corrupt JPEG entropy data
// that libjpeg decodes with a warning, say). `warning` is the default, as in sharp: a damaged photo is named, not
// written out as if it were fine.
enum class FailOn { none, truncated, error, warning };

[[nodiscard]] std::string_view to_string(FailOn level) noexcept;
// "none", "truncated", "error" or "warning"; throws std::invalid_argument naming the choices.
[[nodiscard]] FailOn parse_fail_on(std::string_view text);

// sharp's default `limitInputPixels`, 0x3FFF squared (about 268 MP): larger inputs are refused from their header,
// before any pixel is decoded, so a small file declaring a huge image (a decompression bomb) allocates nothing.
inline constexpr std::uint64_t default_max_input_pixels = std::uint64_t{0x3FFF} * 0x3FFF;

struct DecodeOptions {
  FailOn fail_on = FailOn::warning;
  // width * height above which an input is refused; 0: no limit of its own (the Image type's max_image_pixels
  // still holds).
  std::uint64_t max_pixels = default_max_input_pixels;
};

// The most pixels (width * height) decode_image accepts with `options`: max_pixels, within the Image type's own
// limit (max_image_pixels).
[[nodiscard]] std::uint64_t effective_max_pixels(const DecodeOptions& options) noexcept;

// What decode_image would return for a file, from its header alone (no pixel is decoded): the geometry after
// normalisation (orientation, colour space and sample type as decode_image brings them).
struct ImageHeader {
  int width = 0;  // as displayed: a 90-degree orientation tag swaps them
  int height = 0;
  int bands = 0;             // 1-4
  int bytes_per_sample = 1;  // 1 or 2
  // Decoding needs the whole image in libvips' own buffer first (a rotating or flipping orientation tag), then
  // copies it: two images at once at the peak instead of one.
  bool decoded_twice = false;

  [[nodiscard]] std::uint64_t pixels() const noexcept;
  [[nodiscard]] std::uint64_t decoded_bytes() const noexcept;  // the decoded Image's samples
};

// Reads `path`'s header. Throws ImageIoError (with the file's own reason) if it is not an image libvips reads.
[[nodiscard]] ImageHeader read_image_header(const std::filesystem::path& path);

// True if libvips recognises the file's content as a format it can load (reads only the header bytes).
[[nodiscard]] bool is_loadable_image(const std::filesystem::path& path);

// True if the libvips loader for the file's content lives in one of libvips' loadable modules (Debian's: HEIF,
// JPEG XL, PDF, ImageMagick, OpenSlide) rather than in libvips itself: a process pool whose workers start without
// them (ProcessPoolOptions::worker_vips_modules = false, a shorter start) cannot decode it. False for a file no
// loader takes. Reads only the header bytes.
[[nodiscard]] bool loader_is_vips_module(const std::filesystem::path& path);

// The same for a loader named as list_image_files() and plan_folder_run() give it (ImageFileListing::loaders,
// FileJob::loader), without reading the file again. False for "".
[[nodiscard]] bool vips_loader_is_module(std::string_view loader);

// Decodes any format libvips reads and normalises it, as viewers show it: EXIF orientation applied, palette
// expanded, other colour spaces (CMYK, Lab, ...) converted to sRGB, other sample types cast to 8-bit. The result
// is grey, grey+alpha, RGB or RGBA, 8- or 16-bit. Starts libvips if the program has not (vips.hpp). Throws
// ImageIoError with this file's own reason: what libvips and the loader said while decoding it, even with other
// threads decoding at the same time (libvips' error buffer is process-wide; see vips_messages.hpp). What the
// loader said about a file it decoded all the same (below FailOn::warning) goes to `warnings`, "; "-joined.
[[nodiscard]] Image decode_image(const std::filesystem::path& path, const DecodeOptions& options = {},
                                 std::string* warnings = nullptr);
[[nodiscard]] Image decode_image(std::span<const std::uint8_t> encoded, const DecodeOptions& options = {},
                                 std::string* warnings = nullptr);

// Writes `image` as PNG atomically: a temporary file in the same folder, flushed (fsync), then renamed over `path`,
// so a reader never sees a partial PNG. compression 0..9 is the deflate level: 0 stored, 1 (the default) the fast
// coder (Huffman codes over literals and runs, no LZ77 search), 2..9 libdeflate's own levels (as fast as zlib's
// level 1-2 at about zlib's ratio for the same level); rows are filtered adaptively (the PNG specification's
// heuristic; none at level 0). Only the pixels are written: no metadata chunks. Throws ImageIoError.
void write_png_atomic(const Image& image, const std::filesystem::path& path, int compression = 1);

// Writes `image` atomically as write_png_atomic does, in `output`'s format: PNG as above, JPEG, WebP or TIFF through
// libvips' savers (8-bit for JPEG and WebP, alpha flattened for JPEG; TIFF deflated with a horizontal predictor).
// Throws ImageIoError, for a compression or quality out of range too.
void write_image_atomic(const Image& image, const std::filesystem::path& path, const OutputFormat& output);

}  // namespace pipeline
