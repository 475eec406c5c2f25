#include "io/png_encoder.hpp"

#include <libdeflate.h>
#include <unistd.h>

#include "io/fast_deflate.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace pipeline::detail {
namespace {

constexpr std::size_t max_idat_bytes = std::size_t{1} << 30;  // a chunk's length must stay below 2^31

void put_be32(std::uint8_t* out, std::uint32_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

// |v| of a filtered byte read as signed, branch-free in 8 bits so that the sums below vectorise.
inline std::uint8_t magnitude(std::uint8_t v) noexcept {
  const auto negated = static_cast<std::uint8_t>(-v);
  return v < negated ? v : negated;
}

// The Paeth predictor of x from a (left), b (above), c (above left), branch-free in 16 bits so that it vectorises.
inline std::int16_t paeth_predictor(std::int16_t a, std::int16_t b, std::int16_t c) noexcept {
  const auto da = static_cast<std::int16_t>(b - c);    // p - a, where p = a + b - c
  const auto db = static_cast<std::int16_t>(a - c);    // p - b
  const auto dc = static_cast<std::int16_t>(da + db);  // p - c
  const std::int16_t pa = da < 0 ? static_cast<std::int16_t>(-da) : da;
  const std::int16_t pb = db < 0 ? static_cast<std::int16_t>(-db) : db;
  const std::int16_t pc = dc < 0 ? static_cast<std::int16_t>(-dc) : dc;
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

#if defined(__SSE2__)
// choose_filter's sums over bytes [bpp, end) 16 at a time, added to `sums`; returns `end`, where the scalar loop
// takes over. Explicit SIMD because the compiler widened each of the five 8-bit sums to 32 bits (about 24
// instructions a byte); here the sums are psadbw's and Paeth runs in 16 bits. Only the choice depends on it: the
// bytes written come from filter_row.
std::size_t add_sums_sse2(const std::uint8_t* cur, const std::uint8_t* prev, std::size_t n, std::size_t bpp,
                          std::uint32_t (&sums)[5]) noexcept {
  const std::size_t end = n < bpp + 16 ? bpp : bpp + (n - bpp) / 16 * 16;
  const __m128i zero = _mm_setzero_si128();
  const __m128i one = _mm_set1_epi8(1);
  // |r| of each byte read as signed, summed by psadbw into the two 64-bit halves.
  const auto sum_magnitudes = [zero](__m128i r) { return _mm_sad_epu8(_mm_min_epu8(r, _mm_sub_epi8(zero, r)), zero); };
  // The Paeth predictor of 8 pixels in 16 bits (paeth_predictor's rule and tie order).
  const auto paeth8 = [zero](__m128i a, __m128i b, __m128i c) {
    const __m128i da = _mm_sub_epi16(b, c);
    const __m128i db = _mm_sub_epi16(a, c);
    const __m128i dc = _mm_add_epi16(da, db);
    const __m128i pa = _mm_max_epi16(da, _mm_sub_epi16(zero, da));
    const __m128i pb = _mm_max_epi16(db, _mm_sub_epi16(zero, db));
    const __m128i pc = _mm_max_epi16(dc, _mm_sub_epi16(zero, dc));
    const __m128i not_a = _mm_or_si128(_mm_cmpgt_epi16(pa, pb), _mm_cmpgt_epi16(pa, pc));
    const __m128i c_over_b = _mm_cmpgt_epi16(pb, pc);
    const __m128i bc = _mm_or_si128(_mm_andnot_si128(c_over_b, b), _mm_and_si128(c_over_b, c));
    return _mm_or_si128(_mm_andnot_si128(not_a, a), _mm_and_si128(not_a, bc));
  };
  __m128i acc[5] = {zero, zero, zero, zero, zero};
  for (std::size_t i = bpp; i < end; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cur + i));
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cur + i - bpp));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(prev + i));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(prev + i - bpp));
    // floor((a + b) / 2): pavgb rounds up, so take back the carry of odd sums.
    const __m128i average = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
    const __m128i paeth =
        _mm_packus_epi16(paeth8(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(b, zero), _mm_unpacklo_epi8(c, zero)),
                         paeth8(_mm_unpackhi_epi8(a, zero), _mm_unpackhi_epi8(b, zero), _mm_unpackhi_epi8(c, zero)));
    acc[0] = _mm_add_epi64(acc[0], sum_magnitudes(x));
    acc[1] = _mm_add_epi64(acc[1], sum_magnitudes(_mm_sub_epi8(x, a)));
    acc[2] = _mm_add_epi64(acc[2], sum_magnitudes(_mm_sub_epi8(x, b)));
    acc[3] = _mm_add_epi64(acc[3], sum_magnitudes(_mm_sub_epi8(x, average)));
    acc[4] = _mm_add_epi64(acc[4], sum_magnitudes(_mm_sub_epi8(x, paeth)));
  }
  for (int f = 0; f < 5; ++f) {
    sums[f] +=
        static_cast<std::uint32_t>(_mm_cvtsi128_si32(acc[f]) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(acc[f], acc[f])));
  }
  return end;
}
#endif

// The filter type whose output for this row (`n` bytes, `bpp` per pixel; `prev` all zeros for the first row) has
// the least sum of |signed byte|. One pass that only sums: the chosen filter is applied once afterwards, where
// the former encoder wrote all five rows out and read them again (a third of its time at libdeflate's level 1).
int choose_filter(const std::uint8_t* __restrict cur, const std::uint8_t* __restrict prev, std::size_t n,
                  std::size_t bpp) noexcept {
  std::uint32_t sums[5] = {0, 0, 0, 0, 0};
  // The first pixel has no left neighbour (a = c = 0): paeth predicts b, avg b / 2.
  for (std::size_t i = 0; i < bpp && i < n; ++i) {
    sums[0] += magnitude(cur[i]);
    sums[1] += magnitude(cur[i]);
    sums[2] += magnitude(static_cast<std::uint8_t>(cur[i] - prev[i]));
    sums[3] += magnitude(static_cast<std::uint8_t>(cur[i] - (prev[i] >> 1)));
    sums[4] += magnitude(static_cast<std::uint8_t>(cur[i] - prev[i]));
  }
  std::size_t start = bpp;
#if defined(__SSE2__)
  start = add_sums_sse2(cur, prev, n, bpp, sums);
#endif
  std::uint32_t none = 0, sub = 0, up = 0, avg = 0, paeth = 0;
  for (std::size_t i = start; i < n; ++i) {
    const std::int16_t x = cur[i];
    const std::int16_t a = cur[i - bpp];
    const std::int16_t b = prev[i];
    const std::int16_t c = prev[i - bpp];
    none += magnitude(static_cast<std::uint8_t>(x));
    sub += magnitude(static_cast<std::uint8_t>(x - a));
    up += magnitude(static_cast<std::uint8_t>(x - b));
    avg += magnitude(static_cast<std::uint8_t>(x - ((a + b) >> 1)));
    paeth += magnitude(static_cast<std::uint8_t>(x - paeth_predictor(a, b, c)));
  }
  sums[0] += none;
  sums[1] += sub;
  sums[2] += up;
  sums[3] += avg;
  sums[4] += paeth;
  int best = 0;
  for (int f = 1; f < 5; ++f) {
    if (sums[f] < sums[best]) best = f;
  }
  return best;
}

// Filter type `filter` (0..4) of one row into `out`.
void filter_row(int filter, const std::uint8_t* __restrict cur, const std::uint8_t* __restrict prev, std::size_t n,
                std::size_t bpp, std::uint8_t* __restrict out) noexcept {
  const std::size_t first = std::min(bpp, n);
  switch (filter) {
    case 1:
      for (std::size_t i = 0; i < first; ++i) out[i] = cur[i];
      for (std::size_t i = bpp; i < n; ++i) out[i] = static_cast<std::uint8_t>(cur[i] - cur[i - bpp]);
      break;
    case 2:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(cur[i] - prev[i]);
      break;
    case 3:
      for (std::size_t i = 0; i < first; ++i) out[i] = static_cast<std::uint8_t>(cur[i] - (prev[i] >> 1));
      for (std::size_t i = bpp; i < n; ++i) {
        out[i] = static_cast<std::uint8_t>(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
      }
      break;
    case 4:
      for (std::size_t i = 0; i < first; ++i) out[i] = static_cast<std::uint8_t>(cur[i] - prev[i]);
      for (std::size_t i = bpp; i < n; ++i) {
        out[i] = static_cast<std::uint8_t>(cur[i] - paeth_predictor(cur[i - bpp], prev[i], prev[i - bpp]));
      }
      break;
    default: std::memcpy(out, cur, n);
  }
}

// The zlib stream's input: each row as a filter type byte and the filtered bytes (16-bit samples big-endian).
struct Bytes {
  std::unique_ptr<std::uint8_t[]> data;  // not zero-filled: every byte is written before it is read
  std::size_t size = 0;
};

Bytes filtered_rows(const Image& image, RowFilter choice) {
  const bool adaptive = choice == RowFilter::adaptive;
  const std::size_t row_bytes = image.row_bytes();
  const std::size_t bpp = static_cast<std::size_t>(image.bands()) * bytes_per_sample(image.format());
  const bool sixteen = image.format() == SampleFormat::u16;
  Bytes out{std::make_unique_for_overwrite<std::uint8_t[]>(static_cast<std::size_t>(image.height()) * (row_bytes + 1)),
            static_cast<std::size_t>(image.height()) * (row_bytes + 1)};
  std::vector<std::uint8_t> rows[2] = {std::vector<std::uint8_t>(row_bytes, 0),
                                       std::vector<std::uint8_t>(row_bytes, 0)};
  const std::uint8_t* previous = rows[1].data();  // zeros: the row above the first
  for (int y = 0; y < image.height(); ++y) {
    const std::uint8_t* current = image.row(y);
    if (sixteen) {
      std::uint8_t* swapped = rows[y & 1].data();
      for (std::size_t i = 0; i + 1 < row_bytes; i += 2) {
        std::uint16_t sample;
        std::memcpy(&sample, current + i, 2);
        swapped[i] = static_cast<std::uint8_t>(sample >> 8);
        swapped[i + 1] = static_cast<std::uint8_t>(sample);
      }
      current = swapped;
    }
    std::uint8_t* dst = out.data.get() + static_cast<std::size_t>(y) * (row_bytes + 1);
    const int filter = adaptive ? choose_filter(current, previous, row_bytes, bpp) : static_cast<int>(choice);
    dst[0] = static_cast<std::uint8_t>(filter);
    filter_row(filter, current, previous, row_bytes, bpp, dst + 1);
    previous = current;
  }
  return out;
}

struct CompressorDeleter {
  void operator()(libdeflate_compressor* compressor) const noexcept { libdeflate_free_compressor(compressor); }
};

// One compressor per thread and level, kept: allocating one costs more than compressing a small image.
libdeflate_compressor* compressor_for(int level) {
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressors[13];
  auto& compressor = compressors[level];
  if (!compressor) {
    compressor.reset(libdeflate_alloc_compressor(level));
    if (!compressor) throw std::bad_alloc();
  }
  return compressor.get();
}

// Emits one chunk through `emit(const std::uint8_t*, std::size_t)`.
template <typename Emit>
void emit_chunk(Emit& emit, const char (&type)[5], const std::uint8_t* data, std::size_t size) {
  std::uint8_t header[8];
  put_be32(header, static_cast<std::uint32_t>(size));
  std::memcpy(header + 4, type, 4);
  std::uint32_t crc = libdeflate_crc32(0, header + 4, 4);
  // Not called for an empty chunk (IEND): libdeflate_crc32(crc, NULL, 0) returns 0, its initial value, rather than
  // the running CRC.
  if (size > 0) crc = libdeflate_crc32(crc, data, size);
  std::uint8_t trailer[4];
  put_be32(trailer, crc);
  emit(header, sizeof header);
  if (size > 0) emit(data, size);
  emit(trailer, sizeof trailer);
}

// The whole PNG, in order, through `emit`; returns nothing until the image is compressed, so a failure emits
// nothing.
template <typename Emit>
void emit_png(const Image& image, const PngSettings& settings, Emit&& emit) {
  const int compression = settings.level;
  const bool sixteen = image.format() == SampleFormat::u16;
  static constexpr std::uint8_t colour_types[5] = {0, 0, 4, 2, 6};  // by bands: grey, grey+alpha, RGB, RGBA
  std::uint8_t ihdr[13];
  put_be32(ihdr, static_cast<std::uint32_t>(image.width()));
  put_be32(ihdr + 4, static_cast<std::uint32_t>(image.height()));
  ihdr[8] = sixteen ? 16 : 8;
  ihdr[9] = colour_types[image.bands()];
  ihdr[10] = 0;  // deflate
  ihdr[11] = 0;  // adaptive filtering, per row
  ihdr[12] = 0;  // not interlaced

  Bytes raw = filtered_rows(image, settings.filter);
  std::unique_ptr<std::uint8_t[]> deflated;
  std::size_t size = 0;
  if (settings.deflater == Deflater::fast) {
    deflated = std::make_unique_for_overwrite<std::uint8_t[]>(fast_zlib_bound(raw.size));
    size = fast_zlib_compress(raw.data.get(), raw.size, deflated.get());
  } else {
    libdeflate_compressor* compressor = compressor_for(compression);
    const std::size_t bound = libdeflate_zlib_compress_bound(compressor, raw.size);
    deflated = std::make_unique_for_overwrite<std::uint8_t[]>(bound);
    size = libdeflate_zlib_compress(compressor, raw.data.get(), raw.size, deflated.get(), bound);
  }
  raw = Bytes();  // at most the image and its compressed stream held while writing
  if (size == 0) throw std::runtime_error("deflate failed");

  static constexpr std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  emit(signature, sizeof signature);
  emit_chunk(emit, "IHDR", ihdr, sizeof ihdr);
  for (std::size_t at = 0; at < size; at += max_idat_bytes) {
    emit_chunk(emit, "IDAT", deflated.get() + at, std::min(max_idat_bytes, size - at));
  }
  emit_chunk(emit, "IEND", nullptr, 0);
}

}  // namespace

PngSettings settings_for(int compression) {
  // Level 1 is the fast coder: on adaptively filtered rows, Huffman codes over literals and runs came within 1.05x
  // of libdeflate level 6's bytes at a fraction of its time (benchmarks/README.md, "PNG encoding"). Levels 2..9 are
  // libdeflate's own, for whoever wants its LZ77 search. Stored (level 0) gains nothing from filtering.
  return {compression, compression > 0 ? RowFilter::adaptive : RowFilter::none,
          compression == 1 ? Deflater::fast : Deflater::libdeflate};
}

void write_png(int fd, const Image& image, int compression) {
  emit_png(image, settings_for(compression), [fd](const std::uint8_t* data, std::size_t size) {
    write_fully(fd, {data, size});
  });
}

std::vector<std::uint8_t> encode_png(const Image& image, int compression) {
  return encode_png(image, settings_for(compression));
}

std::vector<std::uint8_t> encode_png(const Image& image, const PngSettings& settings) {
  std::vector<std::uint8_t> png;
  emit_png(image, settings,
           [&png](const std::uint8_t* data, std::size_t size) { png.insert(png.end(), data, data + size); });
  return png;
}

void write_fully(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "write");
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
}

}  // namespace pipeline::detail
