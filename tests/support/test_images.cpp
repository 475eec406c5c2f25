#include "test_images.hpp"

#include <unistd.h>

#include <atomic>
#include <system_error>

namespace pipeline::test {

Image noise_image(int width, int height, int bands, std::uint64_t seed) {
  Image image(width, height, bands, SampleFormat::u8);
  std::uint64_t state = seed;
  for (auto& byte : image.bytes()) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    byte = static_cast<std::uint8_t>(state >> 56);
  }
  return image;
}

Batch batch_of_sizes(const std::vector<std::pair<int, int>>& sizes, std::uint64_t seed) {
  Batch batch;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    batch.push_back({"image-" + std::to_string(i), noise_image(sizes[i].first, sizes[i].second, 3, seed + i)});
  }
  return batch;
}

Batch large_and_tiny_batch(std::size_t count) {
  Batch batch;
  for (std::size_t i = 0; i < count; ++i) {
    const bool large = i % 3 == 0;
    batch.push_back(
        {"image-" + std::to_string(i), noise_image(large ? 640 : 9 + static_cast<int>(i), large ? 480 : 7, 3, i + 1)});
  }
  return batch;
}

TempFolder::TempFolder() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("pipeline-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempFolder::~TempFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace pipeline::test
