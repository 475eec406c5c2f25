// Streaming a folder into another: what is taken as an image, where outputs go, what fails alone, what is refused,
// and what the summary says.
#include "pipeline/folder_run.hpp"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "folders.hpp"
#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::test::files_in;
namespace fs = std::filesystem;

namespace {

// A folder as a user has one: three good images of different kinds, a corrupt one, a text file, a hidden file
// and a subfolder.
void make_photo_folder(const fs::path& in) {
  fs::create_directories(in / "nested");
  pipeline::write_png_atomic(pipeline::test::noise_image(37, 21, 3, 1), in / "b-colour.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(16, 16, 1, 2), in / "c-grey.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(9, 30, 4, 3), in / "d-alpha.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(9, 9, 3, 4), in / "nested" / "e-deeper.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(9, 9, 3, 5), in / ".hidden.png");
  std::ofstream(in / "a-broken.jpg", std::ios::binary) << "\xFF\xD8\xFF\xE0 this is not really a JPEG";
  std::ofstream(in / "notes.txt") << "not an image";
}

// The message of the DatasetError plan_folder_run throws ("" and a failed check if none).
std::string plan_error(const fs::path& input, const fs::path& output) {
  try {
    (void)pipeline::plan_folder_run(input, output);
  } catch (const pipeline::DatasetError& error) {
    return error.what();
  } catch (const std::exception& error) {
    FAIL_CHECK("threw something other than DatasetError: " << error.what());
    return "";
  }
  FAIL_CHECK("no DatasetError for " << input << " -> " << output);
  return "";
}

}  // namespace

TEST_CASE("list_image_files finds what load_image_folder loads, without decoding", "[folder-run]") {
  pipeline::test::TempFolder temp;
  make_photo_folder(temp.path());
  const auto listing = pipeline::list_image_files(temp.path());
  std::vector<std::string> names;
  for (const auto& file : listing.images) names.push_back(file.filename().string());
  // The corrupt JPEG is an image by its extension: it is listed, and fails when decoded.
  CHECK(names == std::vector<std::string>{"a-broken.jpg", "b-colour.png", "c-grey.png", "d-alpha.png"});
  CHECK(listing.skipped == std::vector<pipeline::SkippedFile>{{"nested", "a folder, not searched"},
                                                              {"notes.txt", "not an image libvips can read"}});
  const auto loaded = pipeline::load_image_folder(temp.path());
  REQUIRE(loaded.failures.size() == 1);
  CHECK(loaded.failures[0].file == "a-broken.jpg");
  CHECK(loaded.images.size() + loaded.failures.size() == listing.images.size());
  CHECK(loaded.skipped == listing.skipped);
}

TEST_CASE("a folder run writes each image's chain result as PNG and names the one that failed", "[folder-run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  const auto out = temp.path() / "out" / "deeper";  // created, parents too
  make_photo_folder(in);
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const auto plan = pipeline::plan_folder_run(in, out);
  REQUIRE(plan.jobs.size() == 4);
  CHECK(plan.jobs[1].output == out / "b-colour.png");
  CHECK(plan.skipped == std::vector<pipeline::SkippedFile>{{"nested", "a folder, not searched"},
                                                           {"notes.txt", "not an image libvips can read"}});

  pipeline::SequentialExecutor sequential;
  pipeline::ThreadPoolExecutor threads(2);
  for (pipeline::Executor* executor :
       {static_cast<pipeline::Executor*>(&sequential), static_cast<pipeline::Executor*>(&threads)}) {
    INFO(executor->name());
    fs::remove_all(out);
    fs::create_directories(out);
    const auto summary = pipeline::run_folder(chain, plan, *executor, {.output = {.compression = 1}});
    CHECK(summary.executor == executor->name());
    CHECK(summary.images == 4);
    CHECK(summary.succeeded == 3);
    REQUIRE(summary.failures.size() == 1);
    CHECK(summary.failures[0].file == "a-broken.jpg");
    // The file's own reason, without its name: the summary prints the name beside it.
    CHECK_THAT(summary.failures[0].reason, Catch::Matchers::StartsWith("cannot decode: VipsJpeg: "));
    CHECK_THAT(summary.failures[0].reason, !Contains("a-broken.jpg"));
    CHECK(summary.skipped == plan.skipped);
    CHECK(files_in(out) == std::set<std::string>{"b-colour.png", "c-grey.png", "d-alpha.png"});
    for (const std::string stem : {"b-colour", "c-grey", "d-alpha"}) {
      INFO(stem);
      CHECK(pipeline::decode_image(out / (stem + ".png")) == chain.apply(pipeline::decode_image(in / (stem + ".png"))));
    }
    // 37x21 + 16x16 + 9x30 pixels were written; the broken file counts for none.
    CHECK(summary.megapixels == Approx((37 * 21 + 16 * 16 + 9 * 30) / 1e6));
    CHECK(summary.seconds > 0.0);
    CHECK(summary.megapixels_per_second() > 0.0);
    CHECK(summary.stages.decode > 0.0);
    CHECK(summary.stages.filters > 0.0);
    CHECK(summary.stages.encode > 0.0);
    CHECK(summary.memory.self_mb > 1.0);  // a running program with libvips loaded holds megabytes

    const std::string text = pipeline::format_folder_summary(summary);
    CHECK_THAT(text, Contains("x" + std::to_string(executor->workers()) + ", written as PNG, deflate level 1\n"));
    CHECK_THAT(text, Contains("4 found, 3 written, 1 failed"));
    CHECK_THAT(text, Contains("a-broken.jpg: "));
    CHECK_THAT(text, Contains("notes.txt"));
    CHECK_THAT(text, Contains("MP/s") && Contains("decode") && Contains("encode") && Contains("MB"));
  }
}

TEST_CASE("a failure's reason stays on one line in the summary", "[folder-run]") {
  pipeline::FolderRunSummary summary;
  summary.images = 1;
  summary.failures.push_back({"x.png", "VipsForeignLoad: \"x.png\" is not a known file format\nsecond line\n"});
  const std::string text = pipeline::format_folder_summary(summary);
  CHECK_THAT(text, Contains("  x.png: VipsForeignLoad: \"x.png\" is not a known file format; second line\n"));
}

TEST_CASE("profiled filters count as the summary's filter time", "[folder-run]") {
  pipeline::test::TempFolder temp;
  make_photo_folder(temp.path() / "in");
  const auto plan = pipeline::plan_folder_run(temp.path() / "in", temp.path() / "out");
  pipeline::SequentialExecutor sequential;
  pipeline::RunOptions options;
  options.profile_stages = true;
  const auto summary =
      pipeline::run_folder(pipeline::parse_filter_chain("grayscale,blur,sobel"), plan, sequential, {}, options);
  CHECK(summary.succeeded == 3);
  CHECK(summary.stages.filters > 0.0);
}

TEST_CASE("a folder run refuses to write into its input folder", "[folder-run]") {
  pipeline::test::TempFolder temp;
  make_photo_folder(temp.path());
  const auto before = files_in(temp.path());
  CHECK_THAT(plan_error(temp.path(), temp.path()), Contains("is the input folder"));
  // The same folder under another spelling.
  CHECK_THAT(plan_error(temp.path(), temp.path() / "nested" / ".."), Contains("is the input folder"));
  CHECK(files_in(temp.path()) == before);
}

TEST_CASE("a folder run with a missing or empty input folder is a clear DatasetError", "[folder-run]") {
  pipeline::test::TempFolder temp;
  const std::string missing = plan_error(temp.path() / "absent", temp.path() / "out");
  CHECK_THAT(missing, Contains("absent") && Contains("does not exist"));
  CHECK_FALSE(fs::exists(temp.path() / "out"));  // nothing created for a run that cannot happen

  fs::create_directories(temp.path() / "empty");
  std::ofstream(temp.path() / "empty" / "notes.txt") << "text";
  CHECK_THAT(plan_error(temp.path() / "empty", temp.path() / "out"), Contains("no images"));
}

TEST_CASE("a folder run whose output folder cannot be created says so", "[folder-run]") {
  pipeline::test::TempFolder temp;
  make_photo_folder(temp.path() / "in");
  std::ofstream(temp.path() / "taken") << "a file where the output folder should be";
  CHECK_THAT(plan_error(temp.path() / "in", temp.path() / "taken"), Contains("cannot create output folder"));
}

TEST_CASE("inputs sharing a stem get distinct output files in a folder run", "[folder-run]") {
  pipeline::test::TempFolder temp;
  const auto in = temp.path() / "in";
  fs::create_directories(in);
  // libvips recognises content, not names: PNG bytes under a .jpg name load fine.
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 4), in / "a.png");
  pipeline::write_png_atomic(pipeline::test::noise_image(8, 8, 3, 5), in / "a.jpg");
  const auto plan = pipeline::plan_folder_run(in, temp.path() / "out");
  pipeline::ThreadPoolExecutor threads(2);
  const auto summary = pipeline::run_folder(pipeline::parse_filter_chain("grayscale"), plan, threads);
  CHECK(summary.succeeded == 2);
  CHECK(files_in(temp.path() / "out") == std::set<std::string>{"a.jpg.png", "a.png.png"});
}

TEST_CASE("the folder summary gives times under a second in milliseconds", "[folder-run]") {
  pipeline::FolderRunSummary summary;
  summary.executor = "threads";
  summary.workers = 2;
  summary.seconds = 0.0123;
  summary.startup_seconds = 0.0021;
  summary.stages = {0.004, 0.002, 0.0061};
  const std::string text = pipeline::format_folder_summary(summary);
  CHECK_THAT(text, Contains("in 12.3 ms = ") && Contains("(starting the workers: 2.10 ms)"));
  CHECK_THAT(text, Contains("decode 4.00 ms (33%), filters 2.00 ms (17%), encode 6.10 ms (50%)"));
}
