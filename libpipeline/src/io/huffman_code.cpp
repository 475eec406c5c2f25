#include "io/huffman_code.hpp"

#include <algorithm>

namespace pipeline::detail {

// The lengths come from Moffat and Katajainen's in-place algorithm over the sorted frequencies; lengths over the
// limit are then cut to it and the Kraft sum repaired by moving codes one level down (miniz's proven fix), the
// longest codes going to the least frequent symbols.
void huffman_code_lengths(const std::uint32_t* freq, int n, unsigned max_bits, std::uint8_t* lengths) noexcept {
  struct Symbol {
    std::uint32_t freq;
    std::uint16_t symbol;
  };
  Symbol symbols[max_symbols];
  std::uint32_t a[max_symbols];
  int used = 0;
  for (int s = 0; s < n; ++s) {
    lengths[s] = 0;
    if (freq[s] != 0) symbols[used++] = {freq[s], static_cast<std::uint16_t>(s)};
  }
  if (used == 0) return;
  if (used == 1) {
    lengths[symbols[0].symbol] = 1;
    return;
  }
  std::sort(symbols, symbols + used,
            [](const Symbol& x, const Symbol& y) { return x.freq != y.freq ? x.freq < y.freq : x.symbol < y.symbol; });
  for (int i = 0; i < used; ++i) a[i] = symbols[i].freq;
  // Moffat-Katajainen: a[] holds weights, then parent indices, then depths.
  a[0] += a[1];
  int root = 0, leaf = 2;
  for (int next = 1; next < used - 1; ++next) {
    if (leaf >= used || a[root] < a[leaf]) {
      a[next] = a[root];
      a[root++] = static_cast<std::uint32_t>(next);
    } else {
      a[next] = a[leaf++];
    }
    if (leaf >= used || (root < next && a[root] < a[leaf])) {
      a[next] += a[root];
      a[root++] = static_cast<std::uint32_t>(next);
    } else {
      a[next] += a[leaf++];
    }
  }
  a[used - 2] = 0;
  for (int next = used - 3; next >= 0; --next) a[next] = a[a[next]] + 1;
  int available = 1, depth = 0, next = used - 1;
  root = used - 2;
  while (available > 0) {
    int internal = 0;
    while (root >= 0 && a[root] == static_cast<std::uint32_t>(depth)) {
      ++internal;
      --root;
    }
    while (available > internal) {
      a[next--] = static_cast<std::uint32_t>(depth);
      --available;
    }
    available = 2 * internal;
    ++depth;
  }
  // Codes per length, the too long ones counted at max_bits, then the Kraft sum brought back to exactly 1.
  unsigned count[max_symbols + 1] = {};
  for (int i = 0; i < used; ++i) ++count[std::min(a[i], static_cast<std::uint32_t>(max_bits))];
  std::uint32_t kraft = 0;  // in units of 2^-max_bits
  for (unsigned bits = 1; bits <= max_bits; ++bits) kraft += count[bits] << (max_bits - bits);
  while (kraft > (1u << max_bits)) {
    --count[max_bits];
    for (unsigned bits = max_bits - 1; bits > 0; --bits) {
      if (count[bits] != 0) {
        --count[bits];
        count[bits + 1] += 2;
        break;
      }
    }
    --kraft;
  }
  // The least frequent symbols (first in `symbols`) take the longest codes.
  int k = 0;
  for (unsigned bits = max_bits; bits >= 1; --bits) {
    for (unsigned j = 0; j < count[bits]; ++j) lengths[symbols[k++].symbol] = static_cast<std::uint8_t>(bits);
  }
}

void canonical_codes(const std::uint8_t* lengths, int n, std::uint16_t* codes) noexcept {
  unsigned count[16] = {};
  for (int s = 0; s < n; ++s) ++count[lengths[s]];
  count[0] = 0;
  unsigned next[16] = {};
  unsigned code = 0;
  for (unsigned bits = 1; bits < 16; ++bits) {
    code = (code + count[bits - 1]) << 1;
    next[bits] = code;
  }
  for (int s = 0; s < n; ++s) {
    const unsigned bits = lengths[s];
    if (bits == 0) continue;
    const unsigned c = next[bits]++;
    unsigned reversed = 0;
    for (unsigned b = 0; b < bits; ++b) reversed |= ((c >> b) & 1u) << (bits - 1 - b);
    codes[s] = static_cast<std::uint16_t>(reversed);
  }
}

}  // namespace pipeline::detail
