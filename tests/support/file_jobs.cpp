#include "file_jobs.hpp"

#include <fstream>
#include <iterator>

#include "pipeline/image_io.hpp"
#include "test_images.hpp"

namespace pipeline::test {

std::vector<FileJob> write_png_jobs(const std::filesystem::path& in, const std::filesystem::path& out, int count,
                                    std::uint64_t seed) {
  std::filesystem::create_directories(in);
  std::filesystem::create_directories(out);
  std::vector<FileJob> jobs;
  for (int i = 0; i < count; ++i) {
    const std::string stem = "in-" + std::to_string(i);
    const int bands = 1 + i % 4;
    write_png_atomic(noise_image(5 + 13 * (i % 5), 3 + 7 * (i % 3), bands, seed + static_cast<std::uint64_t>(i)),
                     in / (stem + ".png"));
    jobs.push_back({in / (stem + ".png"), out / (stem + ".out.png")});
  }
  return jobs;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace pipeline::test
