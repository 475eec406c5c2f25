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
