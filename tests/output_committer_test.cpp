// Outputs written in two halves (io/unflushed_output.hpp) and flushed and renamed on a thread of their own
// (io/output_committer.hpp): in order, each caller told, failures by their reason, no temporary file left.
#include "io/output_committer.hpp"

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "folders.hpp"
#include "io/unflushed_output.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using pipeline::detail::OutputCommitter;
using pipeline::detail::UnflushedOutput;
using pipeline::detail::write_image_unflushed;
using pipeline::test::files_in;

namespace {

const pipeline::OutputFormat png{};

}  // namespace

TEST_CASE("an unflushed output is in a hidden temporary file until it is committed", "[output_committer]") {
  const pipeline::test::TempFolder folder;
  const auto image = pipeline::test::noise_image(9, 7, 3, 1);
  UnflushedOutput written = write_image_unflushed(image, folder.path() / "out.png", png);
  CHECK_FALSE(written.empty());
  CHECK_FALSE(fs::exists(folder.path() / "out.png"));
  CHECK(pipeline::test::hidden_files_in(folder.path()).size() == 1);
  written.commit();
  CHECK(written.empty());
  CHECK(files_in(folder.path()) == std::set<std::string>{"out.png"});
  CHECK(pipeline::decode_image(folder.path() / "out.png") == image);
}

TEST_CASE("an unflushed output dropped uncommitted leaves neither the output nor its temporary file",
          "[output_committer]") {
  const pipeline::test::TempFolder folder;
  {
    UnflushedOutput written =
        write_image_unflushed(pipeline::test::noise_image(4, 4, 1, 2), folder.path() / "a.png", png);
    UnflushedOutput moved = std::move(written);
    CHECK(written.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(files_in(folder.path()).size() == 1);
  }
  CHECK(files_in(folder.path()).empty());
}

TEST_CASE("an output committer commits in the order given and tells each once its output is in place",
          "[output_committer]") {
  const pipeline::test::TempFolder folder;
  const int count = GENERATE(1, 40);
  const std::size_t max_pending = GENERATE(std::size_t{1}, std::size_t{16});
  std::mutex mutex;
  std::vector<std::string> told;
  {
    OutputCommitter committer(max_pending);
    for (int i = 0; i < count; ++i) {
      const fs::path path = folder.path() / (std::to_string(i) + ".png");
      committer.submit(write_image_unflushed(pipeline::test::noise_image(5, 5, 3, static_cast<unsigned>(i)), path, png),
                       [&, path, i](std::string error) {
                         const std::lock_guard lock(mutex);
                         CHECK(error.empty());
                         CHECK(fs::exists(path));
                         told.push_back(std::to_string(i));
                       });
    }
    committer.submit(UnflushedOutput(), [&](std::string error) {
      const std::lock_guard lock(mutex);
      CHECK(error.empty());
      told.push_back("no output");
    });
    committer.drain();
    const std::lock_guard lock(mutex);
    REQUIRE(told.size() == static_cast<std::size_t>(count) + 1);
  }
  for (int i = 0; i < count; ++i) CHECK(told[static_cast<std::size_t>(i)] == std::to_string(i));
  CHECK(told.back() == "no output");
  CHECK(files_in(folder.path()).size() == static_cast<std::size_t>(count));
  CHECK(pipeline::test::hidden_files_in(folder.path()).empty());
}

TEST_CASE("an output committer tells the reason an output could not be put in place and leaves no temporary file",
          "[output_committer]") {
  const pipeline::test::TempFolder folder;
  // The rename fails: a folder that is not empty holds the output's name.
  fs::create_directories(folder.path() / "taken.png" / "inside");
  std::string reason = "not told";
  OutputCommitter committer;
  committer.submit(write_image_unflushed(pipeline::test::noise_image(4, 4, 3, 3), folder.path() / "taken.png", png),
                   [&reason](std::string error) { reason = std::move(error); });
  committer.drain();
  CHECK_THAT(reason, StartsWith("cannot write PNG: ") && Contains("taken.png"));
  CHECK(files_in(folder.path()) == std::set<std::string>{"taken.png"});
}

TEST_CASE("an output committer's drain rethrows what a callback threw, and the outputs after it are committed",
          "[output_committer]") {
  const pipeline::test::TempFolder folder;
  OutputCommitter committer;
  committer.submit(write_image_unflushed(pipeline::test::noise_image(4, 4, 3, 4), folder.path() / "a.png", png),
                   [](const std::string&) { throw std::runtime_error("the parent is gone"); });
  committer.submit(write_image_unflushed(pipeline::test::noise_image(4, 4, 3, 5), folder.path() / "b.png", png),
                   [](const std::string&) {});
  CHECK_THROWS_WITH(committer.drain(), "the parent is gone");
  CHECK_NOTHROW(committer.drain());  // told once
  CHECK(files_in(folder.path()) == std::set<std::string>{"a.png", "b.png"});
}

TEST_CASE("an output committer destroyed without a drain still commits what it was given", "[output_committer]") {
  const pipeline::test::TempFolder folder;
  {
    OutputCommitter committer;
    for (int i = 0; i < 5; ++i) {
      committer.submit(write_image_unflushed(pipeline::test::noise_image(4, 4, 3, 6),
                                             folder.path() / (std::to_string(i) + ".png"), png),
                       {});
    }
  }
  CHECK(files_in(folder.path()).size() == 5);
  CHECK(pipeline::test::hidden_files_in(folder.path()).empty());
}
