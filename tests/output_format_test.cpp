// Outputs in JPEG, WebP and TIFF (output_format.hpp): each read back by its format's reference decoder run as a
// separate program (libjpeg-turbo's djpeg -strict, libwebp's dwebp, libtiff's tiffinfo -D), not by libvips which
// wrote it; TIFF holds the pixels exactly; every executor writes the same bytes; a knob out of range is named.
#include "pipeline/output_format.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "file_jobs.hpp"
#include "pipeline/executors.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/output_folder.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using pipeline::Image;
using pipeline::ImageFormat;
using pipeline::OutputFormat;
using pipeline::SampleFormat;

namespace {

struct ToolRun {
  int status = -1;
  std::string errors;  // what it wrote to stderr
};

// Runs a reference decoder on `file`; a missing tool fails the test by name (scripts/install-deps.sh installs it).
ToolRun run_reference_reader(const std::string& command, const fs::path& file, const fs::path& scratch) {
  const fs::path errors = scratch / "reader.err";
  const std::string line = command + " '" + file.string() + "' > /dev/null 2> '" + errors.string() + "'";
  ToolRun run;
  run.status = std::system(line.c_str());
  std::ifstream in(errors);
  std::stringstream text;
  text << in.rdbuf();
  run.errors = text.str();
  return run;
}

std::string reader_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg: return "djpeg -strict";              // libjpeg-turbo-progs: warnings are errors
    case ImageFormat::webp: return "dwebp -quiet -o /dev/null";  // webp
    case ImageFormat::tiff: return "tiffinfo -D";                // libtiff-tools: reads every strip's data
    case ImageFormat::png: break;
  }
  return "false";
}

Image sixteen_bit_noise(int width, int height, int bands, std::uint64_t seed) {
  const Image bytes = pipeline::test::noise_image(width * 2, height, bands, seed);
  Image image(width, height, bands, SampleFormat::u16);
  std::copy(bytes.bytes().begin(), bytes.bytes().end(), image.bytes().begin());
  return image;
}

// A smooth RGB picture, as lossy encoders are meant for (no edge: every sample within 0..255 without wrapping).
Image gradient(int width, int height) {
  Image image(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int value = (x * 2 + y) * 255 / (width * 2 + height);
      image.at(x, y, 0) = static_cast<std::uint8_t>(value);
      image.at(x, y, 1) = static_cast<std::uint8_t>(255 - value);
      image.at(x, y, 2) = static_cast<std::uint8_t>(x * 255 / width);
    }
  return image;
}

double mean_absolute_difference_of_first_band(const Image& a, const Image& b) {
  double sum = 0.0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) sum += std::abs(int{a.at(x, y, 0)} - int{b.at(x, y, 0)});
  return sum / static_cast<double>(a.pixel_count());
}

}  // namespace

TEST_CASE("output formats are named, parsed and given their extension", "[output-format]") {
  CHECK(pipeline::parse_image_format("JPG") == ImageFormat::jpeg);
  CHECK(pipeline::parse_image_format("tif") == ImageFormat::tiff);
  CHECK(pipeline::parse_image_format("webp") == ImageFormat::webp);
  CHECK_THROWS_WITH(pipeline::parse_image_format("gif"), Catch::Contains("png, jpeg, webp or tiff"));
  CHECK(pipeline::file_extension(ImageFormat::jpeg) == ".jpg");
  CHECK(pipeline::file_extension(ImageFormat::tiff) == ".tif");
  CHECK(pipeline::describe({}) == "PNG, deflate level 1");
  CHECK(pipeline::describe({.format = ImageFormat::webp, .quality = 90}) == "WebP, quality 90");
  CHECK(pipeline::describe({.format = ImageFormat::tiff, .compression = 0}) == "TIFF, uncompressed");
  CHECK(pipeline::output_file_names({"a.png", "b.jpg"}, ImageFormat::webp) ==
        std::vector<std::string>{"a.webp", "b.webp"});
}

TEST_CASE("every layout written as JPEG, WebP or TIFF passes its format's reference decoder", "[output-format]") {
  pipeline::test::TempFolder temp;
  const ImageFormat format = GENERATE(ImageFormat::jpeg, ImageFormat::webp, ImageFormat::tiff);
  const int bands = GENERATE(1, 2, 3, 4);
  const SampleFormat samples = GENERATE(SampleFormat::u8, SampleFormat::u16);
  for (const auto& [width, height] : std::vector<std::pair<int, int>>{{1, 1}, {17, 3}, {129, 65}}) {
    const Image image = samples == SampleFormat::u8 ? pipeline::test::noise_image(width, height, bands, 7)
                                                    : sixteen_bit_noise(width, height, bands, 7);
    const fs::path path = temp.path() / ("out" + std::string(pipeline::file_extension(format)));
    INFO(pipeline::to_string(format) << " " << width << "x" << height << ", " << bands << " band(s), "
                                     << (samples == SampleFormat::u8 ? 8 : 16) << " bits");
    pipeline::write_image_atomic(image, path, {.format = format, .compression = 6, .quality = 80});
    const ToolRun read = run_reference_reader(reader_of(format), path, temp.path());
    INFO(read.errors);
    REQUIRE(read.status == 0);
    CHECK(read.errors.empty());
    const Image back = pipeline::decode_image(path);
    CHECK(back.width() == width);
    CHECK(back.height() == height);
    // TIFF is lossless: every layout and sample size comes back as it went.
    if (format == ImageFormat::tiff) CHECK(back == image);
  }
}

TEST_CASE("JPEG and WebP keep a smooth picture close at high quality and shrink it at low", "[output-format]") {
  pipeline::test::TempFolder temp;
  const ImageFormat format = GENERATE(ImageFormat::jpeg, ImageFormat::webp);
  const Image image = gradient(96, 64);
  const fs::path best = temp.path() / "best";
  const fs::path smallest = temp.path() / "smallest";
  pipeline::write_image_atomic(image, best, {.format = format, .quality = 95});
  pipeline::write_image_atomic(image, smallest, {.format = format, .quality = 5});
  CHECK(fs::file_size(smallest) < fs::file_size(best));
  const Image back = pipeline::decode_image(best);
  REQUIRE(back.bands() == 3);
  CHECK(mean_absolute_difference_of_first_band(back, image) < 2.0);
}

TEST_CASE("a quality or compression out of range is refused with the file named and nothing written",
          "[output-format]") {
  pipeline::test::TempFolder temp;
  const Image image = pipeline::test::noise_image(8, 8, 3, 1);
  const fs::path path = temp.path() / "out.jpg";
  CHECK_THROWS_WITH(pipeline::write_image_atomic(image, path, {.format = ImageFormat::jpeg, .quality = 101}),
                    Catch::Contains("out.jpg") && Catch::Contains("JPEG quality must be 1..100, got 101"));
  CHECK_THROWS_WITH(pipeline::write_image_atomic(image, path, {.format = ImageFormat::tiff, .compression = 10}),
                    Catch::Contains("TIFF compression must be 0..9, got 10"));
  CHECK(fs::is_empty(temp.path()));
}

TEST_CASE("every executor writes a file run's outputs in the format asked for, byte for byte alike",
          "[output-format]") {
  pipeline::test::TempFolder temp;
  const ImageFormat format = GENERATE(ImageFormat::jpeg, ImageFormat::webp, ImageFormat::tiff);
  const OutputFormat output{.format = format, .compression = 3, .quality = 60};
  const auto chain = pipeline::parse_filter_chain("blur,brightness=1.1");
  std::vector<std::string> baseline;
  for (const std::string name : {"sequential", "threads", "processes"}) {
    INFO(pipeline::to_string(format) << " by " << name);
    const fs::path out = temp.path() / name;
    auto jobs = pipeline::test::write_png_jobs(temp.path() / "in", out, 6, 11);
    for (auto& job : jobs) job.output.replace_extension(pipeline::file_extension(format));
    const auto executor = pipeline::make_executor(name, 2);
    const auto result = executor->run_files(chain, jobs, {.output = output});
    REQUIRE(result.failure_count() == 0);
    std::vector<std::string> written;
    for (const auto& job : jobs) written.push_back(pipeline::test::file_bytes(job.output));
    for (const auto& bytes : written) CHECK(!bytes.empty());
    if (baseline.empty()) {
      baseline = written;
    } else {
      CHECK(written == baseline);
    }
  }
}
