#include "strict_png.hpp"

#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace pipeline::test {
namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what);
}

// The file's chunks, each CRC recomputed with zlib: the check does not depend on libpng's settings.
std::vector<std::string> walk_chunks(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  static constexpr unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), signature, 8) != 0) fail(path, "no PNG signature");
  std::vector<std::string> chunks;
  std::size_t at = 8;
  while (at < bytes.size()) {
    if (bytes.size() - at < 12) fail(path, "a truncated chunk at byte " + std::to_string(at));
    const std::uint32_t length = be32(&bytes[at]);
    if (length > 0x7FFFFFFFu) fail(path, "a chunk length over 2^31-1 at byte " + std::to_string(at));
    if (bytes.size() - at - 12 < length) fail(path, "a chunk running past the end at byte " + std::to_string(at));
    const std::string type(reinterpret_cast<const char*>(&bytes[at + 4]), 4);
    const auto expected = static_cast<std::uint32_t>(::crc32(0, &bytes[at + 4], 4 + length));
    const std::uint32_t stored = be32(&bytes[at + 8 + length]);
    if (stored != expected) {
      char message[96];
      std::snprintf(message, sizeof message, "chunk %s has CRC %08x, expected %08x", type.c_str(), stored, expected);
      fail(path, message);
    }
    chunks.push_back(type);
    at += 12 + length;
    if (type == "IEND") break;
  }
  if (chunks.empty() || chunks.front() != "IHDR") fail(path, "the first chunk is not IHDR");
  if (chunks.back() != "IEND") fail(path, "no IEND chunk");
  if (at != bytes.size()) fail(path, std::to_string(bytes.size() - at) + " byte(s) after IEND");
  return chunks;
}

struct ReadState {
  std::string error;
};

void on_error(png_structp png, png_const_charp message) {
  static_cast<ReadState*>(png_get_error_ptr(png))->error = message;
  png_longjmp(png, 1);
}

// Warnings are failures too: libpng warns of what it tolerates.
void on_warning(png_structp png, png_const_charp message) {
  auto* state = static_cast<ReadState*>(png_get_error_ptr(png));
  if (state->error.empty()) state->error = std::string("warning: ") + message;
}

// libpng reports errors by longjmp: each step runs here, with no C++ object between setjmp and the libpng calls
// whose destructor a jump would skip.
bool read_header(png_structp png, png_infop info, FILE* file) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_init_io(png, file);
  png_read_info(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_swap(png);  // to the machine's order, as Image holds them
  png_read_update_info(png, info);
  return true;
}

bool read_pixels(png_structp png, png_infop end_info, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  png_read_image(png, rows);
  png_read_end(png, end_info);  // through IEND: its CRC checked too
  return true;
}

struct ReadStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  png_infop end_info = nullptr;
  ~ReadStructs() { png_destroy_read_struct(&png, &info, &end_info); }
};

}  // namespace

StrictPng read_png_strictly(const std::filesystem::path& path) {
  StrictPng result;
  result.chunks = walk_chunks(path);

  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) fail(path, "cannot open");
  ReadState state;
  ReadStructs read;
  read.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (read.png == nullptr) fail(path, "png_create_read_struct failed");
  read.info = png_create_info_struct(read.png);
  read.end_info = png_create_info_struct(read.png);
  if (!read_header(read.png, read.info, file.get())) fail(path, "libpng: " + state.error);
  const int depth = png_get_bit_depth(read.png, read.info);
  if (depth != 8 && depth != 16) fail(path, "bit depth " + std::to_string(depth));
  Image image(static_cast<int>(png_get_image_width(read.png, read.info)),
              static_cast<int>(png_get_image_height(read.png, read.info)), png_get_channels(read.png, read.info),
              depth == 16 ? SampleFormat::u16 : SampleFormat::u8);
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.height()));
  for (int y = 0; y < image.height(); ++y) rows[static_cast<std::size_t>(y)] = image.row(y);
  if (!read_pixels(read.png, read.end_info, rows.data()) || !state.error.empty()) {
    fail(path, "libpng: " + state.error);
  }
  result.image = std::move(image);
  return result;
}

}  // namespace pipeline::test
