// Writing a batch's results as PNG files named after their sources.
#include "pipeline/output_folder.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/task.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::Image;
using pipeline::TaskResult;
namespace fs = std::filesystem;

namespace {

TaskResult succeeded(const std::string& name, Image output) {
  TaskResult task;
  task.record.image = name;
  task.output = std::move(output);
  return task;
}

// A failed task; it carries an output image too, which must still not be written: the record decides.
TaskResult failed(const std::string& name, const std::string& error) {
  TaskResult task;
  task.record.image = name;
  task.record.error = error;
  task.output = pipeline::test::noise_image(2, 2, 1, 77);
  return task;
}

std::vector<std::string> folder_listing(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("output file names replace the extension with .png", "[output]") {
  CHECK(pipeline::output_file_names({"photo.jpg"}) == std::vector<std::string>{"photo.png"});
  CHECK(pipeline::output_file_names({"photo.jpg", "scan.tiff", "raw", "x.png", "synthetic-000"}) ==
        std::vector<std::string>{"photo.png", "scan.png", "raw.png", "x.png", "synthetic-000.png"});
  CHECK(pipeline::output_file_names({}).empty());
}

TEST_CASE("inputs sharing a stem keep their extension", "[output]") {
  CHECK(pipeline::output_file_names({"a.jpg", "a.png"}) == std::vector<std::string>{"a.jpg.png", "a.png.png"});
  CHECK(pipeline::output_file_names({"a.jpg", "b.jpg", "a.png"}) ==
        std::vector<std::string>{"a.jpg.png", "b.png", "a.png.png"});
  CHECK(pipeline::output_file_names({"a", "a.jpg"}) == std::vector<std::string>{"a.png", "a.jpg.png"});
}

TEST_CASE("distinct input names never get the same output name", "[output]") {
  // "a.jpg" and "a.png" share the stem "a" and keep their extensions: "a.jpg.png"; "a.jpg.png" has the stem
  // "a.jpg", unique, and would naively become "a.jpg.png" as well, overwriting the first one's output.
  const std::vector<std::vector<std::string>> batches = {
      {"a.jpg", "a.png", "a.jpg.png"},
      {"a.jpg.png", "a.png", "a.jpg"},
      {"a.png", "a"},
      {"a.png", "a.png.png", "a.gif"},
      {"x.tif", "x.tiff", "x.tif.tiff", "x.tif.png", "x"},
  };
  for (const auto& inputs : batches) {
    const auto outputs = pipeline::output_file_names(inputs);
    INFO(Catch::Detail::stringify(inputs) << " -> " << Catch::Detail::stringify(outputs));
    REQUIRE(outputs.size() == inputs.size());
    CHECK(std::set<std::string>(outputs.begin(), outputs.end()).size() == outputs.size());
    for (const auto& output : outputs) CHECK(fs::path(output).extension() == ".png");
  }
  // The inputs that share a stem still get the documented names.
  const auto outputs = pipeline::output_file_names({"a.jpg", "a.png", "a.jpg.png"});
  CHECK(outputs[0] == "a.jpg.png");
  CHECK(outputs[1] == "a.png.png");
}

TEST_CASE("write_outputs writes one PNG per successful task and skips failed ones", "[output]") {
  pipeline::test::TempFolder root;
  const fs::path folder = root.path() / "results" / "nested";  // does not exist yet
  const Image first = pipeline::test::noise_image(5, 4, 1, 1);
  const Image third = pipeline::test::noise_image(3, 7, 1, 3);
  const std::vector<TaskResult> tasks = {succeeded("first.jpg", first), failed("second.jpg", "boom"),
                                         succeeded("third.tif", third)};
  const auto failures = pipeline::write_outputs(folder, tasks);
  CHECK(failures.empty());
  REQUIRE(fs::is_directory(folder));
  CHECK(folder_listing(folder) == std::vector<std::string>{"first.png", "third.png"});
  CHECK(pipeline::decode_image(folder / "first.png") == first);
  CHECK(pipeline::decode_image(folder / "third.png") == third);
}

TEST_CASE("write_outputs into an existing folder, with shared stems", "[output]") {
  pipeline::test::TempFolder folder;
  const Image a = pipeline::test::noise_image(2, 2, 1, 1);
  const Image b = pipeline::test::noise_image(3, 3, 1, 2);
  const std::vector<TaskResult> tasks = {succeeded("a.jpg", a), succeeded("a.png", b)};
  CHECK(pipeline::write_outputs(folder.path(), tasks, {.compression = 9}).empty());
  CHECK(folder_listing(folder.path()) == std::vector<std::string>{"a.jpg.png", "a.png.png"});
  CHECK(pipeline::decode_image(folder.path() / "a.jpg.png") == a);
  CHECK(pipeline::decode_image(folder.path() / "a.png.png") == b);
}

TEST_CASE("write_outputs names and writes its files in the format asked for", "[output]") {
  pipeline::test::TempFolder folder;
  const Image a = pipeline::test::noise_image(5, 4, 3, 1);
  const std::vector<TaskResult> tasks = {succeeded("a.png", a), succeeded("b.jpg", a)};
  CHECK(pipeline::write_outputs(folder.path(), tasks, {.format = pipeline::ImageFormat::tiff}).empty());
  CHECK(folder_listing(folder.path()) == std::vector<std::string>{"a.tif", "b.tif"});
  CHECK(pipeline::decode_image(folder.path() / "b.tif") == a);
}

TEST_CASE("write_outputs returns the writes that fail and goes on with the others", "[output]") {
  pipeline::test::TempFolder folder;
  // A folder sits where "blocked.png" should go: that write fails at the rename.
  fs::create_directories(folder.path() / "blocked.png" / "inside");
  const Image image = pipeline::test::noise_image(4, 4, 1, 1);
  const std::vector<TaskResult> tasks = {succeeded("blocked.jpg", image), succeeded("fine.jpg", image),
                                         failed("failed.jpg", "boom")};
  const auto failures = pipeline::write_outputs(folder.path(), tasks);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].file == "blocked.png");
  CHECK_THAT(failures[0].reason, Contains("blocked.png"));
  CHECK(pipeline::decode_image(folder.path() / "fine.png") == image);
  CHECK(folder_listing(folder.path()) == std::vector<std::string>{"blocked.png", "fine.png"});
}

TEST_CASE("write_outputs throws ImageIoError if the folder cannot be created", "[output]") {
  pipeline::test::TempFolder root;
  const fs::path file = root.path() / "a-file";
  pipeline::write_png_atomic(pipeline::test::noise_image(1, 1, 1, 1), file);
  const std::vector<TaskResult> tasks = {succeeded("x.jpg", pipeline::test::noise_image(1, 1, 1, 2))};
  CHECK_THROWS_AS(pipeline::write_outputs(file, tasks), pipeline::ImageIoError);
  CHECK_THROWS_AS(pipeline::write_outputs(file / "below", tasks), pipeline::ImageIoError);
}
