// Decoding and atomic PNG writing through libvips. Files that need features the library cannot write (palette,
// an orientation tag) are assembled byte by byte here from the PNG and TIFF specifications, so the decoder is
// checked against inputs that owe nothing to the encoder under test.
#include "pipeline/image_io.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/image.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::Image;
using pipeline::ImageIoError;
using pipeline::SampleFormat;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

void write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> folder_listing(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {  // ISO-HDLC, as PNG uses
  std::uint32_t crc = 0xFFFFFFFFU;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  return crc ^ 0xFFFFFFFFU;
}

void png_chunk(Bytes& png, const char (&type)[5], const Bytes& data) {
  put_be32(png, static_cast<std::uint32_t>(data.size()));
  Bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put_be32(png, crc32(body.data(), body.size()));
}

// A zlib stream of stored (uncompressed) deflate blocks.
Bytes zlib_stored(const Bytes& raw) {
  Bytes out = {0x78, 0x01};
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(~n & 0xFF));
    out.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
    out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(at),
               raw.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  } while (at < raw.size());
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (const std::uint8_t byte : raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(out, b << 16 | a);
  return out;
}

// An 8-bit PNG: colour type 0 (grey), 2 (RGB) or 3 (palette, `palette` holding RGB triples); `rows` are the
// unfiltered samples; `exif` (optional) goes in an eXIf chunk.
Bytes make_png(int width, int height, int colour_type, const std::vector<Bytes>& rows, const Bytes& palette = {},
               const Bytes& exif = {}) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put_be32(header, static_cast<std::uint32_t>(width));
  put_be32(header, static_cast<std::uint32_t>(height));
  header.insert(header.end(), {8, static_cast<std::uint8_t>(colour_type), 0, 0, 0});
  png_chunk(png, "IHDR", header);
  if (!palette.empty()) png_chunk(png, "PLTE", palette);
  if (!exif.empty()) png_chunk(png, "eXIf", exif);
  Bytes raw;
  for (const Bytes& row : rows) {
    raw.push_back(0);  // filter type None
    raw.insert(raw.end(), row.begin(), row.end());
  }
  png_chunk(png, "IDAT", zlib_stored(raw));
  png_chunk(png, "IEND", {});
  return png;
}

// A little-endian, uncompressed, single-strip 8-bit grey TIFF with an Orientation tag.
Bytes make_tiff_with_orientation(int width, int height, const Bytes& pixels, int orientation) {
  struct Entry {
    std::uint16_t tag, type;
    std::uint32_t count, value;
  };
  constexpr std::uint16_t short_type = 3;
  constexpr std::uint16_t long_type = 4;
  const std::uint32_t entries = 10;
  const std::uint32_t pixel_offset = 8 + 2 + entries * 12 + 4;
  const std::array<Entry, entries> ifd = {{
      {256, long_type, 1, static_cast<std::uint32_t>(width)},          // ImageWidth
      {257, long_type, 1, static_cast<std::uint32_t>(height)},         // ImageLength
      {258, short_type, 1, 8},                                         // BitsPerSample
      {259, short_type, 1, 1},                                         // Compression: none
      {262, short_type, 1, 1},                                         // PhotometricInterpretation: BlackIsZero
      {273, long_type, 1, pixel_offset},                               // StripOffsets
      {274, short_type, 1, static_cast<std::uint32_t>(orientation)},   // Orientation
      {277, short_type, 1, 1},                                         // SamplesPerPixel
      {278, long_type, 1, static_cast<std::uint32_t>(height)},         // RowsPerStrip
      {279, long_type, 1, static_cast<std::uint32_t>(pixels.size())},  // StripByteCounts
  }};
  Bytes tiff = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto le16 = [&tiff](std::uint32_t v) {
    tiff.push_back(static_cast<std::uint8_t>(v & 0xFF));
    tiff.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
  };
  auto le32 = [&](std::uint32_t v) {
    le16(v & 0xFFFF);
    le16(v >> 16);
  };
  le16(entries);
  for (const Entry& entry : ifd) {
    le16(entry.tag);
    le16(entry.type);
    le32(entry.count);
    if (entry.type == short_type) {
      le16(entry.value);  // a SHORT sits in the first two bytes of the value field
      le16(0);
    } else {
      le32(entry.value);
    }
  }
  le32(0);  // no next IFD
  REQUIRE(tiff.size() == pixel_offset);
  tiff.insert(tiff.end(), pixels.begin(), pixels.end());
  return tiff;
}

// A 3x2 grey image whose pixels are all different: stored (x, y) = 10 * (y + 1) + x.
const Bytes oriented_pixels = {10, 11, 12, 20, 21, 22};

// Orientation 6 ("rotate 90 degrees clockwise to display"): stored W x H becomes H x W, and the displayed
// pixel (dx, dy) is the stored pixel (x = dy, y = H - 1 - dx).
void check_rotated_clockwise(const Image& decoded) {
  REQUIRE(decoded.width() == 2);
  REQUIRE(decoded.height() == 3);
  REQUIRE(decoded.bands() == 1);
  for (int dy = 0; dy < 3; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      INFO("displayed (" << dx << ", " << dy << ")");
      CHECK(int{decoded.at(dx, dy)} == 10 * ((2 - 1 - dx) + 1) + dy);
    }
  }
}

Image noise16(int width, int height, int bands, std::uint64_t seed) {
  Image image(width, height, bands, SampleFormat::u16);
  const Image source = pipeline::test::noise_image(width * 2, height, bands, seed);
  std::memcpy(image.bytes().data(), source.bytes().data(), image.size_bytes());
  return image;
}

}  // namespace

TEST_CASE("write_png_atomic then decode_image round-trips every layout exactly", "[image_io]") {
  pipeline::test::TempFolder folder;
  struct Case {
    const char* name;
    Image image;
  };
  const std::vector<Case> cases = {
      {"grey", pipeline::test::noise_image(13, 7, 1, 1)},
      {"grey-alpha", pipeline::test::noise_image(13, 7, 2, 2)},
      {"rgb", pipeline::test::noise_image(13, 7, 3, 3)},
      {"rgba", pipeline::test::noise_image(13, 7, 4, 4)},
      {"grey16", noise16(13, 7, 1, 5)},
      {"grey-alpha16", noise16(13, 7, 2, 6)},
      {"rgb16", noise16(13, 7, 3, 7)},
      {"rgba16", noise16(13, 7, 4, 8)},
      {"1x1", pipeline::test::noise_image(1, 1, 3, 9)},
      {"1x9", pipeline::test::noise_image(1, 9, 1, 10)},
  };
  for (const auto& [name, image] : cases) {
    for (const int compression : {0, 6, 9}) {
      INFO(name << ", compression " << compression);
      const fs::path path = folder.path() / (std::string(name) + ".png");
      pipeline::write_png_atomic(image, path, compression);
      const Image decoded = pipeline::decode_image(path);
      CHECK(decoded.width() == image.width());
      CHECK(decoded.height() == image.height());
      CHECK(decoded.bands() == image.bands());
      CHECK(decoded.format() == image.format());
      CHECK(decoded == image);
      // The same bytes decode the same from memory.
      CHECK(pipeline::decode_image(read_file(path)) == image);
    }
  }
}

TEST_CASE("write_png_atomic replaces an existing file and leaves no temporary files", "[image_io]") {
  pipeline::test::TempFolder folder;
  const fs::path path = folder.path() / "out.png";
  const Image first = pipeline::test::noise_image(8, 8, 1, 1);
  const Image second = pipeline::test::noise_image(5, 3, 3, 2);
  pipeline::write_png_atomic(first, path);
  pipeline::write_png_atomic(second, path);
  CHECK(pipeline::decode_image(path) == second);
  for (int i = 0; i < 5; ++i) {
    pipeline::write_png_atomic(first, folder.path() / ("more-" + std::to_string(i) + ".png"));
  }
  // A write that fails at the rename (the target is a folder) must clean up its temporary file too.
  fs::create_directory(folder.path() / "taken.png");
  fs::create_directory(folder.path() / "taken.png" / "inside");
  CHECK_THROWS_AS(pipeline::write_png_atomic(first, folder.path() / "taken.png"), ImageIoError);
  CHECK(folder_listing(folder.path()) == std::vector<std::string>{"more-0.png", "more-1.png", "more-2.png",
                                                                  "more-3.png", "more-4.png", "out.png", "taken.png"});
}

TEST_CASE("write_png_atomic reports what it cannot write as ImageIoError naming the file", "[image_io]") {
  pipeline::test::TempFolder folder;
  const Image image = pipeline::test::noise_image(4, 4, 1, 1);
  const fs::path missing = folder.path() / "no-such-folder" / "out.png";
  CHECK_THROWS_AS(pipeline::write_png_atomic(image, missing), ImageIoError);
  CHECK_THROWS_WITH(pipeline::write_png_atomic(image, missing), Contains(missing.string()));
  CHECK_FALSE(fs::exists(folder.path() / "no-such-folder"));
  CHECK_THROWS_AS(pipeline::write_png_atomic(Image(), folder.path() / "empty.png"), ImageIoError);
  CHECK_THROWS_AS(pipeline::write_png_atomic(image, folder.path() / "bad.png", 10), ImageIoError);
  CHECK_THROWS_AS(pipeline::write_png_atomic(image, folder.path() / "bad.png", -1), ImageIoError);
  CHECK(folder_listing(folder.path()).empty());
}

TEST_CASE("decoding a corrupt file throws ImageIoError naming the file", "[image_io]") {
  pipeline::test::TempFolder folder;

  SECTION("random bytes named .jpg") {
    const fs::path path = folder.path() / "random.jpg";
    const Image noise = pipeline::test::noise_image(64, 16, 1, 99);
    write_file(path, Bytes(noise.bytes().begin(), noise.bytes().end()));
    CHECK_FALSE(pipeline::is_loadable_image(path));
    CHECK_THROWS_WITH(pipeline::decode_image(path), Contains("random.jpg"));
    CHECK_THROWS_AS(pipeline::decode_image(path), ImageIoError);
  }
  SECTION("a PNG cut in half") {
    const fs::path whole = folder.path() / "whole.png";
    pipeline::write_png_atomic(pipeline::test::noise_image(64, 64, 3, 7), whole, 0);
    Bytes bytes = read_file(whole);
    REQUIRE(bytes.size() > 64 * 64 * 3);
    bytes.resize(bytes.size() / 2);
    const fs::path path = folder.path() / "truncated.png";
    write_file(path, bytes);
    CHECK(pipeline::is_loadable_image(path));  // the header is intact: it is a PNG, a broken one
    CHECK_THROWS_WITH(pipeline::decode_image(path), Contains("truncated.png"));
    CHECK_THROWS_AS(pipeline::decode_image(path), ImageIoError);
    CHECK_THROWS_AS(pipeline::decode_image(bytes), ImageIoError);
  }
  SECTION("a missing file") {
    const fs::path path = folder.path() / "absent.png";
    CHECK_FALSE(pipeline::is_loadable_image(path));
    CHECK_THROWS_WITH(pipeline::decode_image(path), Contains("absent.png"));
  }
  SECTION("an empty buffer") { CHECK_THROWS_AS(pipeline::decode_image(Bytes{}), ImageIoError); }
}

TEST_CASE("a hand-made PNG decodes to its samples", "[image_io]") {
  pipeline::test::TempFolder folder;
  // Checks the hand-made PNG writer itself, which the palette and orientation cases rely on.
  const fs::path path = folder.path() / "rgb.png";
  write_file(path, make_png(2, 1, 2, {{1, 2, 3, 250, 251, 252}}));
  const Image decoded = pipeline::decode_image(path);
  CHECK(decoded == Image(2, 1, 3, SampleFormat::u8, {1, 2, 3, 250, 251, 252}));
}

TEST_CASE("a palette PNG decodes to RGB", "[image_io]") {
  pipeline::test::TempFolder folder;
  const fs::path path = folder.path() / "palette.png";
  const Bytes palette = {255, 0, 0, 0, 128, 255, 7, 7, 7};  // red, a blue, a grey
  write_file(path, make_png(3, 2, 3, {{0, 1, 2}, {2, 2, 0}}, palette));
  const Image decoded = pipeline::decode_image(path);
  CHECK(decoded.width() == 3);
  CHECK(decoded.height() == 2);
  CHECK(decoded.bands() == 3);
  CHECK(decoded.format() == SampleFormat::u8);
  CHECK(decoded == Image(3, 2, 3, SampleFormat::u8,
                         {255, 0, 0, 0, 128, 255, 7, 7, 7,  //
                          7, 7, 7, 7, 7, 7, 255, 0, 0}));
}

TEST_CASE("the orientation tag is applied: a TIFF tagged 'rotate 90' decodes rotated", "[image_io]") {
  pipeline::test::TempFolder folder;
  const fs::path upright = folder.path() / "upright.tif";
  write_file(upright, make_tiff_with_orientation(3, 2, oriented_pixels, 1));
  CHECK(pipeline::decode_image(upright) == Image(3, 2, 1, SampleFormat::u8, oriented_pixels));

  const fs::path rotated = folder.path() / "rotated.tif";
  write_file(rotated, make_tiff_with_orientation(3, 2, oriented_pixels, 6));
  check_rotated_clockwise(pipeline::decode_image(rotated));
  check_rotated_clockwise(pipeline::decode_image(read_file(rotated)));
}

TEST_CASE("the EXIF orientation is applied: a PNG with an eXIf orientation of 6 decodes rotated", "[image_io]") {
  pipeline::test::TempFolder folder;
  // Big-endian EXIF (TIFF structure): one IFD, one entry: Orientation (0x0112), SHORT, count 1, value 6.
  const Bytes exif = {'M',  'M',  0, 42, 0, 0, 0, 8,              // header, IFD at 8
                      0,    1,                                    // one entry
                      0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, 6, 0, 0,  // Orientation = 6
                      0,    0,    0, 0};                          // no next IFD
  const fs::path path = folder.path() / "exif.png";
  write_file(path, make_png(3, 2, 0, {{10, 11, 12}, {20, 21, 22}}, {}, exif));
  check_rotated_clockwise(pipeline::decode_image(path));
}

TEST_CASE("write_png_atomic round-trips at every compression level, each PNG row filter in play", "[image_io]") {
  pipeline::test::TempFolder folder;
  // Gradients, flat runs and noise in one image, so that the adaptive filter picks none, sub, up, average and
  // paeth for different rows; 8- and 16-bit, 1 to 4 bands (a filter's left neighbour is a whole pixel back).
  for (const int bands : {1, 2, 3, 4}) {
    for (const bool sixteen : {false, true}) {
      Image image =
          sixteen ? noise16(67, 41, bands, 11 + bands) : pipeline::test::noise_image(67, 41, bands, 11 + bands);
      for (int y = 0; y < 30; ++y) {
        std::uint8_t* row = image.row(y);
        for (std::size_t i = 0; i < image.row_bytes(); ++i) {
          row[i] = static_cast<std::uint8_t>(y < 10 ? i * 3 : (y < 20 ? y * 7 : i + y * 5));
        }
      }
      for (int compression = 0; compression <= 9; ++compression) {
        INFO(bands << " band(s), " << (sixteen ? 16 : 8) << "-bit, compression " << compression);
        const fs::path path = folder.path() / "levels.png";
        pipeline::write_png_atomic(image, path, compression);
        CHECK(pipeline::decode_image(path) == image);
      }
    }
  }
}

TEST_CASE("read_image_header describes what decode_image returns, from the header alone", "[image_io]") {
  pipeline::test::TempFolder folder;
  const auto check_header = [](const fs::path& path, bool rotated) {
    INFO(path.filename().string());
    const pipeline::ImageHeader header = pipeline::read_image_header(path);
    const Image decoded = pipeline::decode_image(path);
    CHECK(header.width == decoded.width());
    CHECK(header.height == decoded.height());
    CHECK(header.bands == decoded.bands());
    CHECK(header.bytes_per_sample == (decoded.format() == SampleFormat::u16 ? 2 : 1));
    CHECK(header.decoded_bytes() == decoded.size_bytes());
    CHECK(header.decoded_twice == rotated);
  };
  for (const int bands : {1, 2, 3, 4}) {
    const fs::path eight = folder.path() / ("u8-" + std::to_string(bands) + ".png");
    pipeline::write_png_atomic(pipeline::test::noise_image(13, 7, bands, 1), eight);
    check_header(eight, false);
    const fs::path sixteen = folder.path() / ("u16-" + std::to_string(bands) + ".png");
    pipeline::write_png_atomic(noise16(5, 11, bands, 2), sixteen);
    check_header(sixteen, false);
  }
  const fs::path palette = folder.path() / "palette.png";
  write_file(palette, make_png(3, 2, 3, {{0, 1, 2}, {2, 2, 0}}, {255, 0, 0, 0, 128, 255, 7, 7, 7}));
  check_header(palette, false);
  // Orientation 6 turns the 3x2 image into 2x3, and libvips decodes it whole before turning it.
  const fs::path rotated = folder.path() / "rotated.tif";
  write_file(rotated, make_tiff_with_orientation(3, 2, oriented_pixels, 6));
  check_header(rotated, true);
  CHECK(pipeline::read_image_header(rotated).width == 2);

  const fs::path broken = folder.path() / "broken.png";
  write_file(broken, {0x89, 'P', 'N', 'G', 1, 2, 3});
  CHECK_THROWS_AS(pipeline::read_image_header(broken), ImageIoError);
  CHECK_THROWS_AS(pipeline::read_image_header(folder.path() / "missing.png"), ImageIoError);
}
