// What decoding says about a damaged file: its own reason, never another file's nor an empty one, at the fail-on
// level asked for; the pixel limit checked from the header; GLib's messages through spdlog, never raw.
#include <glib.h>
#include <sys/resource.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "broken_images.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::DecodeOptions;
using pipeline::FailOn;
using pipeline::ImageIoError;
namespace fs = std::filesystem;

namespace {

// The reason decode_image gives for `path`, or "" if it decodes.
std::string reason_of(const fs::path& path, const DecodeOptions& options = {}) {
  try {
    (void)pipeline::decode_image(path, options);
    return {};
  } catch (const ImageIoError& error) {
    return error.reason();
  }
}

// Broken files of every kind, with good ones between them.
std::vector<fs::path> make_broken_folder(const fs::path& folder) {
  fs::create_directories(folder);
  std::vector<fs::path> files;
  const auto add = [&](const std::string& name, void (*make)(const fs::path&)) {
    files.push_back(folder / name);
    make(files.back());
  };
  add("truncated.jpg", pipeline::test::write_truncated_jpeg);
  add("good-1.jpg", [](const fs::path& path) { pipeline::test::write_jpeg(path); });
  add("corrupt.jpg", pipeline::test::write_corrupt_jpeg);
  add("bad-ihdr.png", pipeline::test::write_bad_ihdr_png);
  add("good-2.jpg", [](const fs::path& path) { pipeline::test::write_jpeg(path, 40, 30); });
  add("garbage.png", pipeline::test::write_garbage);
  add("bomb.png", pipeline::test::write_png_bomb);
  return files;
}

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("a damaged file's reason says what is wrong with it, never nothing", "[decode]") {
  pipeline::test::TempFolder temp;
  const auto files = make_broken_folder(temp.path());
  CHECK_THAT(reason_of(temp.path() / "truncated.jpg"), Contains("Premature end of input file"));
  CHECK_THAT(reason_of(temp.path() / "corrupt.jpg"), Contains("Corrupt JPEG data"));
  // libvips fails this one with an empty error buffer: the loader's GLib warning is the reason.
  CHECK_THAT(reason_of(temp.path() / "bad-ihdr.png"), Contains("IHDR: CRC error"));
  CHECK(reason_of(temp.path() / "garbage.png") ==
        "cannot decode: VipsForeignLoad: the file is not a known file format");
  CHECK(reason_of(temp.path() / "absent.png") == "cannot decode: VipsForeignLoad: the file does not exist");
  for (const auto& file : files) {
    INFO(file);
    const std::string reason = reason_of(file);
    if (file.filename().string().starts_with("good")) {
      CHECK(reason.empty());
    } else {
      CHECK(reason.size() > std::string("cannot decode: ").size());
      CHECK_THAT(reason, !Contains(file.filename().string()));  // named once, by whoever prints it
    }
  }
}

TEST_CASE("a warning left by one file is never pinned on the next that fails", "[decode]") {
  pipeline::test::TempFolder temp;
  pipeline::test::write_corrupt_jpeg(temp.path() / "corrupt.jpg");
  pipeline::test::write_bad_ihdr_png(temp.path() / "bad-ihdr.png");
  std::string warnings;
  (void)pipeline::decode_image(temp.path() / "corrupt.jpg", {.fail_on = FailOn::none}, &warnings);
  CHECK_THAT(warnings, Contains("Corrupt JPEG data"));
  const std::string reason = reason_of(temp.path() / "bad-ihdr.png");
  CHECK_THAT(reason, Contains("IHDR"));
  CHECK_THAT(reason, !Contains("JPEG"));
}

TEST_CASE("with threads decoding at once, each file gets the reason it gets alone", "[decode]") {
  pipeline::test::TempFolder temp;
  const auto files = make_broken_folder(temp.path() / "in");
  std::map<std::string, std::string> alone;
  for (const auto& file : files) alone[file.filename().string()] = reason_of(file);

  // Many copies of the broken files, so that four threads decode them side by side.
  std::vector<pipeline::FileJob> jobs;
  fs::create_directories(temp.path() / "out");
  for (int copy = 0; copy < 12; ++copy) {
    for (const auto& file : files)
      jobs.push_back({file, temp.path() / "out" / (std::to_string(copy) + file.filename().string())});
  }
  pipeline::ThreadPoolExecutor threads(4);
  const auto chain = pipeline::parse_filter_chain("grayscale");
  const auto result = threads.run_files(chain, jobs, {});
  REQUIRE(result.tasks.size() == jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& record = result.tasks[i].record;
    INFO(jobs[i].input);
    CHECK(record.error == alone.at(jobs[i].input.filename().string()));
    CHECK(record.warnings.empty());
  }
}

TEST_CASE("fail-on follows libvips' levels, warning by default", "[decode]") {
  pipeline::test::TempFolder temp;
  const auto corrupt = temp.path() / "corrupt.jpg";
  const auto truncated = temp.path() / "truncated.jpg";
  pipeline::test::write_corrupt_jpeg(corrupt);
  pipeline::test::write_truncated_jpeg(truncated);

  CHECK(DecodeOptions{}.fail_on == FailOn::warning);
  CHECK_THROWS_AS(pipeline::decode_image(corrupt), ImageIoError);
  CHECK_THAT(reason_of(corrupt, {.fail_on = FailOn::warning}), Contains("Corrupt JPEG data"));

  std::string warnings;
  const auto decoded = pipeline::decode_image(corrupt, {.fail_on = FailOn::none}, &warnings);
  CHECK(decoded.width() == 96);
  CHECK_THAT(warnings, Contains("Corrupt JPEG data: premature end of data segment"));
  // Said once, though libjpeg's warning reaches both libvips' buffer and GLib's log.
  CHECK(warnings.find("premature end") == warnings.rfind("premature end"));

  CHECK_NOTHROW(pipeline::decode_image(truncated, {.fail_on = FailOn::none}));
  for (const FailOn level : {FailOn::truncated, FailOn::error, FailOn::warning}) {
    INFO(pipeline::to_string(level));
    CHECK_THAT(reason_of(truncated, {.fail_on = level}), Contains("Premature end"));
  }

  CHECK(pipeline::parse_fail_on("truncated") == FailOn::truncated);
  CHECK_THROWS_WITH(pipeline::parse_fail_on("sometimes"), Contains("none, truncated, error or warning"));
}

TEST_CASE("the pixel limit is checked from the header: a decompression bomb allocates nothing", "[decode]") {
  pipeline::test::TempFolder temp;
  const auto bomb = temp.path() / "bomb.png";
  pipeline::test::write_png_bomb(bomb);
  REQUIRE(fs::file_size(bomb) < 10'000);
  const long before_kb = peak_rss_kb();
  CHECK_THAT(reason_of(bomb), Contains("30000x30000") && Contains("over the input limit of 268.4 MP"));
  CHECK(peak_rss_kb() - before_kb < 100 * 1024);  // 900 MP of grey would be 900 MB

  const auto small = temp.path() / "small.png";
  pipeline::write_png_atomic(pipeline::test::noise_image(100, 100, 1, 1), small);
  CHECK_THAT(reason_of(small, {.max_pixels = 9'999}), Contains("100x100"));
  CHECK(reason_of(small, {.max_pixels = 10'000}).empty());
  CHECK(reason_of(small, {.max_pixels = 0}).empty());
  CHECK(pipeline::default_max_input_pixels == 0x3FFFu * 0x3FFFu);
}

TEST_CASE("GLib's messages go through spdlog, at its level", "[decode]") {
  std::ostringstream captured;
  auto logger =
      std::make_shared<spdlog::logger>("captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  logger->set_level(spdlog::level::warn);
  g_log("VIPS", G_LOG_LEVEL_WARNING, "%s", "a warning from nowhere in particular");
  g_log("VIPS", G_LOG_LEVEL_INFO, "%s", "an info line");
  logger->set_level(spdlog::level::err);  // as -q sets it
  g_log("VIPS", G_LOG_LEVEL_WARNING, "%s", "a warning while quiet");
  spdlog::set_default_logger(previous);
  CHECK_THAT(captured.str(), Contains("VIPS: a warning from nowhere in particular"));
  CHECK_THAT(captured.str(), !Contains("an info line"));
  CHECK_THAT(captured.str(), !Contains("a warning while quiet"));
}
