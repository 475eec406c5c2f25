#include "reference_filters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pipeline::test::reference {
namespace {

// The neighbour (x, y) of a gray8 image, with the coordinates clamped to the image: edge replication.
double at_clamped(const Image& gray, int x, int y) {
  x = std::clamp(x, 0, gray.width() - 1);
  y = std::clamp(y, 0, gray.height() - 1);
  return static_cast<double>(gray.at(x, y));
}

Image as_gray8(const Image& input) { return input.is_gray8() ? input : grayscale(input); }

// out(x, y) = round_clamped(value(x, y)) over the whole image.
template <typename Value>
Image map_pixels(int width, int height, Value&& value) {
  Image out(width, height, 1, SampleFormat::u8);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) out.at(x, y) = static_cast<std::uint8_t>(round_clamped(value(x, y)));
  }
  return out;
}

}  // namespace

int round_clamped(double x) { return static_cast<int>(std::floor(std::clamp(x, 0.0, 255.0) + 0.5)); }

int sample(const Image& image, int x, int y, int band) {
  const std::size_t index =
      (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width()) + static_cast<std::size_t>(x)) *
          static_cast<std::size_t>(image.bands()) +
      static_cast<std::size_t>(band);
  if (image.format() == SampleFormat::u8) return image.bytes()[index];
  std::uint16_t value = 0;  // 16-bit samples are stored in the machine's byte order
  std::memcpy(&value, image.bytes().data() + index * 2, 2);
  return value;
}

Image grayscale(const Image& input) {
  const bool sixteen = input.format() == SampleFormat::u16;
  auto eight_bit = [&](int x, int y, int band) {
    const int v = sample(input, x, y, band);
    return sixteen ? (v >> 8) : v;  // 16-bit -> 8-bit by v >> 8, before anything else
  };
  return map_pixels(input.width(), input.height(), [&](int x, int y) {
    // Grey (+ alpha) is expanded to R = G = B = grey; alpha (band 1 or 3) is never read.
    const bool grey = input.bands() <= 2;
    const double r = eight_bit(x, y, 0);
    const double g = eight_bit(x, y, grey ? 0 : 1);
    const double b = eight_bit(x, y, grey ? 0 : 2);
    // Y = 0.299 R + 0.587 G + 0.114 B. The weights are decimal fractions that binary floating point cannot
    // hold: 0.299 * R + ... in double lands 1e-15 below an exact .5 (e.g. R, G, B = 0, 36, 12 gives
    // 22.499999999999996 for the true 22.5) and would round the wrong way. Written over their common
    // denominator, 299 R + 587 G + 114 B is an exact integer in double and so is its division by 1000 at
    // every .5, which is the real-number value the spec means.
    return (299.0 * r + 587.0 * g + 114.0 * b) / 1000.0;
  });
}

double blur_unrounded(const Image& gray, int x, int y) {
  const double side = std::exp(-0.5) / (1.0 + 2.0 * std::exp(-0.5));
  const double centre = 1.0 / (1.0 + 2.0 * std::exp(-0.5));
  const double w[3] = {side, centre, side};
  double vertical = 0.0;
  for (int j = -1; j <= 1; ++j) {
    double horizontal = 0.0;  // the horizontal pass at row y + j (itself clamped)
    for (int i = -1; i <= 1; ++i) horizontal += w[i + 1] * at_clamped(gray, x + i, y + j);
    vertical += w[j + 1] * horizontal;
  }
  return vertical;
}

Image blur(const Image& input) {
  const Image gray = as_gray8(input);
  return map_pixels(gray.width(), gray.height(), [&](int x, int y) { return blur_unrounded(gray, x, y); });
}

Image sobel(const Image& input) {
  const Image gray = as_gray8(input);
  static constexpr int kx[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};  // [row][column]
  return map_pixels(gray.width(), gray.height(), [&](int x, int y) {
    double gx = 0.0;
    double gy = 0.0;
    for (int j = -1; j <= 1; ++j) {
      for (int i = -1; i <= 1; ++i) {
        const double p = at_clamped(gray, x + i, y + j);
        gx += kx[j + 1][i + 1] * p;
        gy += kx[i + 1][j + 1] * p;  // gy is the transpose of gx
      }
    }
    return std::sqrt(gx * gx + gy * gy);
  });
}

Image sharpen(const Image& input) {
  const Image gray = as_gray8(input);
  static constexpr int k[3][3] = {{-2, -2, -2}, {-2, 32, -2}, {-2, -2, -2}};
  return map_pixels(gray.width(), gray.height(), [&](int x, int y) {
    double sum = 0.0;
    for (int j = -1; j <= 1; ++j) {
      for (int i = -1; i <= 1; ++i) sum += k[j + 1][i + 1] * at_clamped(gray, x + i, y + j);
    }
    return sum / 16.0;
  });
}

Image brightness(const Image& input, double factor) {
  const Image gray = as_gray8(input);
  return map_pixels(gray.width(), gray.height(),
                    [&](int x, int y) { return static_cast<double>(gray.at(x, y)) * factor; });
}

Image chain(std::string_view spec, const Image& input) {
  Image current = grayscale(input);
  std::size_t start = 0;
  while (start <= spec.size() && !spec.empty()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    std::string item(spec.substr(start, comma - start));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == "grayscale") {
      current = grayscale(current);
    } else if (item == "blur") {
      current = blur(current);
    } else if (item == "sobel") {
      current = sobel(current);
    } else if (item == "sharpen") {
      current = sharpen(current);
    } else if (item == "brightness") {
      current = brightness(current);
    } else if (item.rfind("brightness=", 0) == 0) {
      const std::string number = item.substr(std::string("brightness=").size());
      char* end = nullptr;
      const double factor = std::strtod(number.c_str(), &end);
      if (number.empty() || *end != '\0') throw std::invalid_argument("reference chain: bad factor in " + item);
      current = brightness(current, factor);
    } else {
      throw std::invalid_argument("reference chain: unknown filter '" + item + "'");
    }
    start = comma + 1;
  }
  return current;
}

}  // namespace pipeline::test::reference
