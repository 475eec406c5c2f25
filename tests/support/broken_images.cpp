#include "broken_images.hpp"

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <vips/vips8>

#include "pipeline/image_io.hpp"
#include "test_images.hpp"

namespace pipeline::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void put_chunk(Bytes& out, const char* type, const Bytes& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put_be32(out, static_cast<std::uint32_t>(::crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

std::size_t start_of_scan(const Bytes& jpeg) {
  for (std::size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return i;
  }
  throw std::runtime_error("no start of scan in the JPEG");
}

}  // namespace

void write_jpeg(const std::filesystem::path& path, int width, int height) {
  const Image noise = noise_image(width, height, 1, 7);
  vips::VImage image = vips::VImage::new_from_memory(const_cast<std::uint8_t*>(noise.bytes().data()),
                                                     noise.size_bytes(), width, height, 1, VIPS_FORMAT_UCHAR);
  image.jpegsave(path.c_str(), vips::VImage::option()->set("Q", 90));
}

void write_truncated_jpeg(const std::filesystem::path& path) {
  write_jpeg(path);
  Bytes bytes = read_bytes(path);
  bytes.resize(bytes.size() * 6 / 10);
  write_bytes(path, bytes);
}

void write_corrupt_jpeg(const std::filesystem::path& path) {
  write_jpeg(path);
  Bytes bytes = read_bytes(path);
  const std::size_t scan = start_of_scan(bytes);
  std::size_t middle = scan + (bytes.size() - scan) / 2;
  while (bytes[middle - 1] == 0xFF || bytes[middle] == 0xFF) ++middle;  // not inside a stuffed byte or a marker
  const std::uint8_t end_of_image[] = {0xFF, 0xD9};
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(middle), std::begin(end_of_image), std::end(end_of_image));
  write_bytes(path, bytes);
}

void write_bad_ihdr_png(const std::filesystem::path& path) {
  write_png_atomic(noise_image(16, 8, 1, 5), path);
  Bytes bytes = read_bytes(path);
  bytes[8 + 8 + 13] ^= 0xFF;  // the first byte of IHDR's CRC: signature, length and type, 13 bytes of data
  write_bytes(path, bytes);
}

void write_png_bomb(const std::filesystem::path& path) {
  constexpr std::uint32_t side = 30000;
  Bytes ihdr;
  put_be32(ihdr, side);
  put_be32(ihdr, side);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});                      // 8-bit grey, deflate, no filter, not interlaced
  const Bytes rows(static_cast<std::size_t>(side + 1) * 16, 0);  // the first 16 rows, all zero
  uLongf deflated_size = compressBound(static_cast<uLong>(rows.size()));
  Bytes deflated(deflated_size);
  if (compress2(deflated.data(), &deflated_size, rows.data(), static_cast<uLong>(rows.size()), 9) != Z_OK) {
    throw std::runtime_error("zlib failed");
  }
  deflated.resize(deflated_size);
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", deflated);
  put_chunk(png, "IEND", {});
  write_bytes(path, png);
}

void write_garbage(const std::filesystem::path& path) {
  Bytes bytes(512);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 131 + 17);
  write_bytes(path, bytes);
}

void write_png_signature_then_text(const std::filesystem::path& path) {
  std::ofstream(path, std::ios::binary) << "\x89PNG\r\n\x1a\n but then nothing of a PNG";
}

}  // namespace pipeline::test
