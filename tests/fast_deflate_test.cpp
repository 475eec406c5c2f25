// The fast coder behind PNG level 1 (libpipeline/src/io/fast_deflate.hpp): every stream it writes is read back by
// zlib's own uncompress, byte for byte, whatever the input (empty, one byte, long runs across blocks,
// incompressible bytes, skewed statistics), and its Huffman codes respect DEFLATE's length limits.
#include "io/fast_deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "io/huffman_code.hpp"

using pipeline::detail::fast_zlib_bound;
using pipeline::detail::fast_zlib_compress;

namespace {

std::vector<std::uint8_t> compress(const std::vector<std::uint8_t>& in, std::size_t block_bytes) {
  std::vector<std::uint8_t> out(fast_zlib_bound(in.size(), block_bytes));
  const std::size_t size = fast_zlib_compress(in.data(), in.size(), out.data(), block_bytes);
  REQUIRE(size <= out.size());
  out.resize(size);
  return out;
}

// zlib's verdict on the stream: Z_OK and the bytes, or the error.
int decode(const std::vector<std::uint8_t>& stream, std::size_t expected_size, std::vector<std::uint8_t>& decoded) {
  decoded.assign(expected_size + 1, 0);  // one more: a longer output shows as a size mismatch, not Z_BUF_ERROR
  uLongf size = static_cast<uLongf>(decoded.size());
  const int status = uncompress(decoded.data(), &size, stream.data(), static_cast<uLong>(stream.size()));
  decoded.resize(size);
  return status;
}

void check_round_trip(const std::vector<std::uint8_t>& in, std::size_t block_bytes) {
  INFO(in.size() << " bytes in blocks of " << block_bytes);
  const std::vector<std::uint8_t> stream = compress(in, block_bytes);
  std::vector<std::uint8_t> decoded;
  REQUIRE(decode(stream, in.size(), decoded) == Z_OK);
  CHECK(decoded == in);
}

const std::size_t block_sizes[] = {pipeline::detail::fast_deflate_block_bytes, 1, 7, 1000, 4096, std::size_t{1} << 20};

std::vector<std::uint8_t> random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::uint8_t> bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

// Bytes whose frequencies follow the Fibonacci numbers: an unlimited Huffman code would give the rarest ones
// `symbols` - 1 bits. Shuffled, so that few equal bytes meet and become runs.
std::vector<std::uint8_t> fibonacci_bytes(int symbols) {
  std::vector<std::uint8_t> bytes;
  std::uint64_t a = 1, b = 1;
  for (int s = 0; s < symbols; ++s) {
    bytes.insert(bytes.end(), a, static_cast<std::uint8_t>(s * 7));
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  std::shuffle(bytes.begin(), bytes.end(), std::mt19937(5));
  return bytes;
}

}  // namespace

TEST_CASE("zlib reads back an empty stream and a single byte", "[deflate]") {
  for (const std::size_t block : block_sizes) {
    check_round_trip({}, block);
    check_round_trip({42}, block);
    check_round_trip({0, 0}, block);
    check_round_trip({9, 9, 9}, block);
  }
}

TEST_CASE("zlib reads back a megabyte of zeros and of 255s as runs", "[deflate]") {
  for (const std::uint8_t value : {std::uint8_t{0}, std::uint8_t{255}}) {
    const std::vector<std::uint8_t> flat(std::size_t{1} << 20, value);
    // Blocks of 1 and 7 bytes cross no run here that the runs case below does not: over a megabyte they only cost
    // time (a million blocks took 90 s under ASan in CI).
    for (const std::size_t block : block_sizes) {
      if (block >= 1000) check_round_trip(flat, block);
    }
    // Runs of 258 cost a few bits each: far below a byte per 100.
    CHECK(compress(flat, pipeline::detail::fast_deflate_block_bytes).size() < flat.size() / 100);
  }
}

TEST_CASE("zlib reads back runs of every length that cross block boundaries", "[deflate]") {
  std::vector<std::uint8_t> bytes;
  std::mt19937 random(7);
  for (int length = 1; length <= 600; ++length) {
    bytes.insert(bytes.end(), static_cast<std::size_t>(length), static_cast<std::uint8_t>(random() % 4));
    bytes.push_back(static_cast<std::uint8_t>(random()));
  }
  for (const std::size_t block : block_sizes) check_round_trip(bytes, block);
  for (std::size_t block = 250; block <= 270; ++block) check_round_trip(bytes, block);
}

TEST_CASE("incompressible bytes are stored and read back", "[deflate]") {
  for (const std::size_t size :
       {std::size_t{1}, std::size_t{100}, std::size_t{65535}, std::size_t{65536}, std::size_t{200000}}) {
    const std::vector<std::uint8_t> bytes = random_bytes(size, static_cast<std::uint32_t>(size));
    for (const std::size_t block : block_sizes) check_round_trip(bytes, block);
    // Stored blocks: 5 bytes a block of at most 65535 (two of them per coder block of 64 KiB), the zlib header
    // and trailer.
    INFO(size << " random bytes");
    CHECK(compress(bytes, pipeline::detail::fast_deflate_block_bytes).size() <= size + 10 * (size / 65535 + 1) + 6);
  }
}

TEST_CASE("zlib reads back bytes whose Huffman code must be cut to 15 bits", "[deflate]") {
  // 25 Fibonacci frequencies: the rarest symbols would need 24 bits.
  const std::vector<std::uint8_t> bytes = fibonacci_bytes(25);
  for (const std::size_t block : {std::size_t{1} << 20, pipeline::detail::fast_deflate_block_bytes}) {
    check_round_trip(bytes, block);
  }
}

TEST_CASE("Huffman code lengths stay within the limit and form a complete code", "[deflate]") {
  // The code-length code (19 symbols, 7 bits) and the literal/length code (286 symbols, 15 bits), and more.
  const auto [max_bits, symbols] =
      GENERATE(table<unsigned, int>({{7u, 2}, {7u, 19}, {7u, 30}, {15u, 2}, {15u, 19}, {15u, 30}, {15u, 286}}));
  std::vector<std::uint32_t> freq(static_cast<std::size_t>(symbols));
  std::uint32_t a = 1, b = 1;
  for (auto& f : freq) {  // Fibonacci, capped so that the sum stays in 32 bits
    f = a;
    const std::uint32_t next = std::min<std::uint32_t>(a + b, 1u << 24);
    a = b;
    b = next;
  }
  std::vector<std::uint8_t> lengths(freq.size());
  pipeline::detail::huffman_code_lengths(freq.data(), symbols, max_bits, lengths.data());
  INFO(symbols << " symbols, at most " << max_bits << " bits");
  std::uint64_t kraft = 0;  // in units of 2^-max_bits
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    REQUIRE(lengths[s] >= 1);
    REQUIRE(lengths[s] <= max_bits);
    kraft += std::uint64_t{1} << (max_bits - lengths[s]);
    if (s > 0) CHECK(lengths[s] <= lengths[s - 1]);  // a more frequent symbol never has a longer code
  }
  CHECK(kraft == (std::uint64_t{1} << max_bits));
}

TEST_CASE("zlib reads back a mix of flat areas text-like bytes and noise", "[deflate]") {
  std::vector<std::uint8_t> bytes;
  std::mt19937 random(11);
  for (int part = 0; part < 60; ++part) {
    const std::size_t size = 1 + random() % 30000;
    switch (part % 5) {
      case 0: bytes.insert(bytes.end(), size, 0); break;
      case 1: bytes.insert(bytes.end(), size, static_cast<std::uint8_t>(random())); break;
      case 2:
        for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<std::uint8_t>('a' + random() % 6));
        break;
      case 3:
        for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<std::uint8_t>(random()));
        break;
      default:  // small residuals around zero, as filtered photos give
        for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<std::uint8_t>(random() % 5 - 2));
    }
  }
  for (const std::size_t block : block_sizes) check_round_trip(bytes, block);
}
