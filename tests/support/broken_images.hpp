#pragma once
// Damaged image files, made by the tests themselves from images they encode: each fails (or warns) in its own
// way, so a test can check that each file is named with its own reason.

#include <filesystem>

namespace pipeline::test {

// A valid baseline JPEG of noise, `width` x `height`, grey.
void write_jpeg(const std::filesystem::path& path, int width = 96, int height = 64);
// The JPEG cut at 60% of its bytes: libjpeg's "Premature end of JPEG file".
void write_truncated_jpeg(const std::filesystem::path& path);
// An end-of-image marker inside the entropy-coded data: libjpeg decodes it with a warning ("Corrupt JPEG data:
// premature end of data segment") and grey rows after it.
void write_corrupt_jpeg(const std::filesystem::path& path);
// A PNG whose IHDR CRC is wrong: libvips fails it with nothing in its error buffer (only a GLib warning).
void write_bad_ihdr_png(const std::filesystem::path& path);
// A few hundred bytes declaring a 30000x30000 grey PNG (a decompression bomb).
void write_png_bomb(const std::filesystem::path& path);
// Bytes that are no image at all, under an image's name.
void write_garbage(const std::filesystem::path& path);
// PNG's signature and then text: libpng's "invalid chunk type".
void write_png_signature_then_text(const std::filesystem::path& path);

}  // namespace pipeline::test
