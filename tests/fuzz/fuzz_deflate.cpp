// libFuzzer target: the fast deflate coder behind PNG level 1 (libpipeline/src/io/fast_deflate.hpp).
//
// The first input byte picks the coder's block size (small ones put many block boundaries, and runs across them,
// within reach of short inputs); the rest is the payload. Properties: the stream fits fast_zlib_bound, and zlib's
// own uncompress reads it back to the payload, byte for byte.

#include <zlib.h>

#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "io/fast_deflate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::size_t block_sizes[8] = {1, 2, 3, 7, 64, 259, 4096, pipeline::detail::fast_deflate_block_bytes};
  const std::size_t block = size > 0 ? block_sizes[data[0] % 8] : pipeline::detail::fast_deflate_block_bytes;
  const std::uint8_t* payload = size > 0 ? data + 1 : data;
  const std::size_t payload_size = size > 0 ? size - 1 : 0;

  const std::size_t bound = pipeline::detail::fast_zlib_bound(payload_size, block);
  std::vector<std::uint8_t> stream(bound + 64, 0xA5);  // past the bound: a canary the coder must not touch
  const std::size_t written = pipeline::detail::fast_zlib_compress(payload, payload_size, stream.data(), block);
  FUZZ_CHECK(written <= bound, "the stream fits fast_zlib_bound");
  for (std::size_t i = bound; i < stream.size(); ++i) FUZZ_CHECK(stream[i] == 0xA5, "nothing written past the bound");

  std::vector<std::uint8_t> decoded(payload_size + 1);
  uLongf decoded_size = static_cast<uLongf>(decoded.size());
  const int status = uncompress(decoded.data(), &decoded_size, stream.data(), static_cast<uLong>(written));
  FUZZ_CHECK(status == Z_OK, "zlib reads the stream");
  FUZZ_CHECK(decoded_size == payload_size, "zlib reads back as many bytes as were coded");
  FUZZ_CHECK(payload_size == 0 || std::memcmp(decoded.data(), payload, payload_size) == 0,
             "zlib reads back the bytes that were coded");
  return 0;
}
