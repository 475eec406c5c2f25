#include "io/fast_deflate.hpp"

#include <libdeflate.h>

#include "io/huffman_code.hpp"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <memory>

namespace pipeline::detail {
namespace {

constexpr std::size_t max_run = 258;            // DEFLATE's longest match
constexpr std::size_t max_stored = 65535;       // a stored block's longest
constexpr int litlen_symbols = max_symbols;     // 0..255 literals, 256 end of block, 257..285 lengths
constexpr int token_kinds = 256 + max_run + 1;  // a token: a literal byte, or 256 + a run's length (3..258)
constexpr int end_of_block = 256;
constexpr unsigned max_litlen_bits = 15;
constexpr unsigned max_codelen_bits = 7;
// The order in which the code-length code's lengths are sent (RFC 1951 3.2.7).
constexpr std::uint8_t codelen_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

struct LengthCode {
  std::uint16_t symbol = 0;
  std::uint8_t extra_bits = 0;
  std::uint16_t extra = 0;
};

// The length symbol and extra bits of each match length 3..258 (RFC 1951 3.2.5).
constexpr std::array<LengthCode, max_run + 1> make_length_codes() {
  constexpr int base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                            31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  constexpr int extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  std::array<LengthCode, max_run + 1> codes{};
  // In order, so that 258 ends with its own symbol 285 rather than 284 with extra bits 31.
  for (int s = 0; s < 29; ++s) {
    for (int length = base[s]; length < base[s] + (1 << extra[s]) && length <= 258; ++length) {
      codes[static_cast<std::size_t>(length)] = {static_cast<std::uint16_t>(257 + s),
                                                 static_cast<std::uint8_t>(extra[s]),
                                                 static_cast<std::uint16_t>(length - base[s])};
    }
  }
  return codes;
}
constexpr std::array<LengthCode, max_run + 1> length_codes = make_length_codes();

// Bits out least significant first through a 64-bit buffer; flush() stores 8 bytes at once, so the output needs 8
// bytes of slack past its end. At most 56 bits may be added between two flushes.
class BitWriter {
 public:
  explicit BitWriter(std::uint8_t* out) noexcept : out_(out) {}

  void add(std::uint64_t bits, unsigned count) noexcept {
    buffer_ |= bits << count_;
    count_ += count;
  }

  void flush() noexcept {
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out_, &buffer_, 8);
    } else {
      for (int i = 0; i < 8; ++i) out_[i] = static_cast<std::uint8_t>(buffer_ >> (8 * i));
    }
    out_ += count_ >> 3;
    buffer_ >>= count_ & ~7u;
    count_ &= 7;
  }

  // Pads with zero bits to a byte boundary and writes everything out; returns where the next byte goes.
  std::uint8_t* align() noexcept {
    flush();
    count_ = (count_ + 7) & ~7u;
    flush();
    return out_;
  }

  // Goes on at `out` after bytes written directly (stored blocks), from a byte boundary.
  void resume(std::uint8_t* out) noexcept { out_ = out; }

 private:
  std::uint8_t* out_;
  std::uint64_t buffer_ = 0;
  unsigned count_ = 0;
};

// How many bytes from `p` (at most `limit`) equal `byte`, 8 at a time.
std::size_t run_length(const std::uint8_t* p, std::uint8_t byte, std::size_t limit) noexcept {
  const std::uint64_t pattern = 0x0101010101010101ull * byte;
  std::size_t n = 0;
  for (; n + 8 <= limit; n += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + n, 8);
    if (const std::uint64_t diff = word ^ pattern; diff != 0) {
      if constexpr (std::endian::native == std::endian::little) {
        return n + static_cast<std::size_t>(std::countr_zero(diff) >> 3);
      } else {
        return n + static_cast<std::size_t>(std::countl_zero(diff) >> 3);
      }
    }
  }
  while (n < limit && p[n] == byte) ++n;
  return n;
}

// Slack past the tokens of a block: the SSE2 path stores 16 at a time.
constexpr std::size_t token_slack = 16;

// Splits in[begin, end) into literals and runs of the byte before (distance 1, 3..258 long; a run may start with
// the previous block's last byte), counting each token kind into `histogram`; returns the number of tokens.
std::size_t tokenize(const std::uint8_t* in, std::size_t begin, std::size_t end, std::uint16_t* tokens,
                     std::uint32_t* histogram) noexcept {
  // The literals of whole 16-byte groups are counted into four tables in turn, added up at the end: residuals
  // repeat the same few values, and with one table each count waited for the previous one's store (10-30%
  // of the coder's time on the photos' outputs, in alternating runs).
  std::uint32_t quarters[4][256] = {};
  std::size_t n = 0;
  std::size_t i = begin;
  if (i == 0) {  // the stream's first byte has none before it
    tokens[n++] = in[0];
    ++histogram[in[0]];
    i = 1;
  }
  while (i < end) {
#if defined(__SSE2__)
    // Filtered photos are mostly literals: 16 bytes at a time up to the first that starts a run, i.e. equals the
    // byte before it, as do the next two (eq[j] & eq[j + 1] & eq[j + 2], eq[j]: in[i + j] == in[i + j - 1]).
    if (i + 18 <= end) {
      const auto load = [in, i](std::size_t offset) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + offset - 1));
      };
      const __m128i b0 = load(0), b1 = load(1), b2 = load(2), b3 = load(3);
      const __m128i starts =
          _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(b1, b0), _mm_cmpeq_epi8(b2, b1)), _mm_cmpeq_epi8(b3, b2));
      const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(starts));
      const std::size_t literals = mask == 0 ? 16 : static_cast<std::size_t>(std::countr_zero(mask));
      const __m128i zero = _mm_setzero_si128();
      _mm_storeu_si128(reinterpret_cast<__m128i*>(tokens + n), _mm_unpacklo_epi8(b1, zero));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(tokens + n + 8), _mm_unpackhi_epi8(b1, zero));
      n += literals;
      if (literals == 16) {
        for (std::size_t j = 0; j < 16; j += 4) {
          ++quarters[0][in[i + j]];
          ++quarters[1][in[i + j + 1]];
          ++quarters[2][in[i + j + 2]];
          ++quarters[3][in[i + j + 3]];
        }
        i += 16;
        continue;
      }
      for (std::size_t j = 0; j < literals; ++j) ++histogram[in[i + j]];
      i += literals;
    }
#endif
    const std::uint8_t byte = in[i];
    if (byte == in[i - 1]) {
      const std::size_t run = run_length(in + i, byte, std::min(end - i, max_run));
      if (run >= 3) {
        tokens[n++] = static_cast<std::uint16_t>(256 + run);
        ++histogram[256 + run];
        i += run;
        continue;
      }
    }
    tokens[n++] = byte;
    ++histogram[byte];
    ++i;
  }
  for (int b = 0; b < 256; ++b) histogram[b] += quarters[0][b] + quarters[1][b] + quarters[2][b] + quarters[3][b];
  return n;
}

// One block's dynamic Huffman code: its header and, per token kind, the bits that code it.
struct BlockCode {
  std::uint8_t litlen_lengths[litlen_symbols];
  std::uint16_t litlen_codes[litlen_symbols];
  int hlit = 257;
  // The code lengths (HLIT literal/length ones, then the one distance code's), run-length coded with 16, 17, 18.
  std::uint8_t codelen_symbols[litlen_symbols + 1];
  std::uint8_t codelen_extra[litlen_symbols + 1];
  int codelen_count = 0;
  std::uint8_t codelen_lengths[19];
  std::uint16_t codelen_codes[19];
  int hclen = 4;
  std::uint64_t header_bits = 0;
  // Per token kind, its code (at most 21 bits) with its length in bits in the top byte: one load a token.
  std::uint32_t token_codes[token_kinds];
  unsigned max_token_bits = 0;
};

constexpr std::uint8_t codelen_extra_bits(std::uint8_t symbol) noexcept {
  return symbol == 16 ? 2 : symbol == 17 ? 3 : symbol == 18 ? 7 : 0;
}

// Builds the code of a block whose tokens counted `histogram`; returns the block's size in bits, header included.
std::uint64_t build_block_code(const std::uint32_t* histogram, BlockCode& code) noexcept {
  std::uint32_t freq[litlen_symbols] = {};
  for (int t = 0; t < 256; ++t) freq[t] = histogram[t];
  bool runs = false;
  for (std::size_t length = 3; length <= max_run; ++length) {
    freq[length_codes[length].symbol] += histogram[256 + length];
    runs = runs || histogram[256 + length] != 0;
  }
  freq[end_of_block] = 1;
  // A complete code needs two symbols (zlib refuses an incomplete literal/length code); blocks are never empty,
  // so this only pads a block of one repeated byte that ended up as one kind of token.
  if (std::count_if(freq, freq + litlen_symbols, [](std::uint32_t f) { return f != 0; }) < 2) freq[0] = 1;
  huffman_code_lengths(freq, litlen_symbols, max_litlen_bits, code.litlen_lengths);
  canonical_codes(code.litlen_lengths, litlen_symbols, code.litlen_codes);
  code.hlit = litlen_symbols;
  while (code.hlit > 257 && code.litlen_lengths[code.hlit - 1] == 0) --code.hlit;

  // The lengths to send: HLIT of them, then one distance code of 1 bit (distance 1, code 0; zlib accepts that lone
  // incomplete distance code), whether or not the block has runs.
  std::uint8_t sequence[litlen_symbols + 1];
  std::copy_n(code.litlen_lengths, code.hlit, sequence);
  sequence[code.hlit] = 1;
  const int total = code.hlit + 1;
  std::uint32_t codelen_freq[19] = {};
  code.codelen_count = 0;
  const auto emit = [&](int symbol, int extra) {
    code.codelen_symbols[code.codelen_count] = static_cast<std::uint8_t>(symbol);
    code.codelen_extra[code.codelen_count++] = static_cast<std::uint8_t>(extra);
    ++codelen_freq[symbol];
  };
  for (int i = 0; i < total;) {
    const std::uint8_t length = sequence[i];
    int run = 1;
    while (i + run < total && sequence[i + run] == length) ++run;
    i += run;
    if (length == 0) {
      for (; run >= 11; run -= std::min(run, 138)) emit(18, std::min(run, 138) - 11);
      if (run >= 3) {
        emit(17, run - 3);
        run = 0;
      }
    } else {
      emit(length, 0);
      for (--run; run >= 3; run -= std::min(run, 6)) emit(16, std::min(run, 6) - 3);
    }
    for (; run > 0; --run) emit(length, 0);
  }
  if (std::count_if(codelen_freq, codelen_freq + 19, [](std::uint32_t f) { return f != 0; }) < 2) {
    ++codelen_freq[codelen_freq[0] != 0 ? 1 : 0];  // a complete code-length code needs two symbols too
  }
  huffman_code_lengths(codelen_freq, 19, max_codelen_bits, code.codelen_lengths);
  canonical_codes(code.codelen_lengths, 19, code.codelen_codes);
  code.hclen = 19;
  while (code.hclen > 4 && code.codelen_lengths[codelen_order[code.hclen - 1]] == 0) --code.hclen;

  std::uint64_t bits = 3 + 5 + 5 + 4 + 3 * static_cast<std::uint64_t>(code.hclen);
  for (int i = 0; i < code.codelen_count; ++i) {
    bits += code.codelen_lengths[code.codelen_symbols[i]] + codelen_extra_bits(code.codelen_symbols[i]);
  }
  code.header_bits = bits;
  code.max_token_bits = 0;
  for (int t = 0; t < 256; ++t) {
    code.token_codes[t] = code.litlen_codes[t] | std::uint32_t{code.litlen_lengths[t]} << 24;
    bits += static_cast<std::uint64_t>(histogram[t]) * code.litlen_lengths[t];
    if (histogram[t] != 0) code.max_token_bits = std::max<unsigned>(code.max_token_bits, code.litlen_lengths[t]);
  }
  if (runs) {
    // A run: its length symbol, the extra bits, then distance code 0 (one 0 bit).
    for (std::size_t length = 3; length <= max_run; ++length) {
      const LengthCode& l = length_codes[length];
      const unsigned symbol_bits = code.litlen_lengths[l.symbol];
      const unsigned token_bits = symbol_bits + l.extra_bits + 1;
      code.token_codes[256 + length] =
          (code.litlen_codes[l.symbol] | (std::uint32_t{l.extra} << symbol_bits)) | token_bits << 24;
      bits += static_cast<std::uint64_t>(histogram[256 + length]) * token_bits;
      if (histogram[256 + length] != 0) code.max_token_bits = std::max(code.max_token_bits, token_bits);
    }
  }
  return bits + code.litlen_lengths[end_of_block];
}

void write_block(BitWriter& out, const BlockCode& code, const std::uint16_t* tokens, std::size_t count,
                 bool final) noexcept {
  out.add((final ? 1u : 0u) | (2u << 1), 3);  // BFINAL, BTYPE 10: dynamic Huffman codes
  out.add(static_cast<unsigned>(code.hlit - 257), 5);
  out.add(0, 5);  // HDIST - 1: one distance code
  out.add(static_cast<unsigned>(code.hclen - 4), 4);
  out.flush();
  for (int i = 0; i < code.hclen; ++i) {
    out.add(code.codelen_lengths[codelen_order[i]], 3);
    out.flush();
  }
  for (int i = 0; i < code.codelen_count; ++i) {
    const std::uint8_t symbol = code.codelen_symbols[i];
    out.add(code.codelen_codes[symbol], code.codelen_lengths[symbol]);
    out.add(code.codelen_extra[i], codelen_extra_bits(symbol));
    out.flush();
  }
  const auto add = [&out, &code](std::uint16_t token) {
    const std::uint32_t entry = code.token_codes[token];
    out.add(entry & 0xFFFFFF, entry >> 24);
  };
  std::size_t i = 0;
  if (code.max_token_bits <= 18) {  // three tokens per flush: 7 + 3 x 18 bits held at most
    for (; i + 3 <= count; i += 3) {
      add(tokens[i]);
      add(tokens[i + 1]);
      add(tokens[i + 2]);
      out.flush();
    }
  }
  for (; i + 2 <= count; i += 2) {  // two (21 bits at most each)
    add(tokens[i]);
    add(tokens[i + 1]);
    out.flush();
  }
  if (i < count) add(tokens[i]);
  out.add(code.litlen_codes[end_of_block], code.litlen_lengths[end_of_block]);
  out.flush();
}

// in[begin, end) as stored blocks of at most 65535 bytes, the last one final if `final`.
void write_stored(BitWriter& out, const std::uint8_t* in, std::size_t begin, std::size_t end, bool final) noexcept {
  do {
    const std::size_t size = std::min(end - begin, max_stored);
    out.add(final && begin + size == end ? 1u : 0u, 3);  // BFINAL, BTYPE 00
    std::uint8_t* p = out.align();
    p[0] = static_cast<std::uint8_t>(size);
    p[1] = static_cast<std::uint8_t>(size >> 8);
    p[2] = static_cast<std::uint8_t>(~size);
    p[3] = static_cast<std::uint8_t>(~size >> 8);
    if (size > 0) std::memcpy(p + 4, in + begin, size);
    out.resume(p + 4 + size);
    begin += size;
  } while (begin < end);
}

}  // namespace

std::size_t fast_zlib_bound(std::size_t size, std::size_t block_bytes) noexcept {
  // Every block codes to at most its stored size: a stored block of up to 65535 bytes costs at most 6 more (its
  // 3 header bits padded to a byte after the previous block's last partial byte, LEN and NLEN). Then the zlib
  // header and Adler-32, and 8 bytes of slack for the writer's 8-byte stores.
  const std::size_t blocks = size / block_bytes + 1;
  const std::size_t stored_blocks = size / max_stored + blocks;
  return size + 6 * stored_blocks + blocks + 2 + 4 + 8;
}

std::size_t fast_zlib_compress(const std::uint8_t* in, std::size_t size, std::uint8_t* out,
                               std::size_t block_bytes) noexcept {
  out[0] = 0x78;  // CMF: deflate, 32 KiB window
  out[1] = 0x01;  // FLG: the fastest level, no dictionary; 0x7801 is a multiple of 31
  BitWriter writer(out + 2);
  if (size == 0) {
    write_stored(writer, in, 0, 0, true);
  } else {
    const std::size_t block = std::min(block_bytes, size);
    const auto tokens = std::make_unique_for_overwrite<std::uint16_t[]>(block + token_slack);
    const auto code = std::make_unique_for_overwrite<BlockCode>();
    for (std::size_t begin = 0; begin < size; begin += block) {
      const std::size_t end = std::min(size, begin + block);
      const bool final = end == size;
      std::uint32_t histogram[token_kinds] = {};
      const std::size_t count = tokenize(in, begin, end, tokens.get(), histogram);
      const std::uint64_t coded_bits = build_block_code(histogram, *code);
      const std::size_t stored_bytes = (end - begin) + 5 * ((end - begin + max_stored - 1) / max_stored);
      if (coded_bits <= 8 * static_cast<std::uint64_t>(stored_bytes)) {
        write_block(writer, *code, tokens.get(), count, final);
      } else {
        write_stored(writer, in, begin, end, final);
      }
    }
  }
  std::uint8_t* p = writer.align();
  const std::uint32_t adler = size == 0 ? 1 : libdeflate_adler32(1, in, size);
  p[0] = static_cast<std::uint8_t>(adler >> 24);
  p[1] = static_cast<std::uint8_t>(adler >> 16);
  p[2] = static_cast<std::uint8_t>(adler >> 8);
  p[3] = static_cast<std::uint8_t>(adler);
  return static_cast<std::size_t>(p + 4 - out);
}

}  // namespace pipeline::detail
