// Where batches come from: a folder of images and the synthetic dataset.
#include "pipeline/dataset.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/image.hpp"
#include "pipeline/image_io.hpp"
#include "test_images.hpp"

using Catch::Matchers::Contains;
using pipeline::DatasetError;
using pipeline::Image;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::vector<std::string> names_of(const pipeline::Batch& batch) {
  std::vector<std::string> names;
  for (const auto& image : batch) names.push_back(image.name);
  return names;
}

// The message of the DatasetError load_image_folder(folder) throws ("" and a failed check if none).
std::string dataset_error(const fs::path& folder) {
  try {
    (void)pipeline::load_image_folder(folder);
  } catch (const DatasetError& error) {
    return error.what();
  } catch (const std::exception& error) {
    FAIL_CHECK("threw something other than DatasetError: " << error.what());
    return "";
  }
  FAIL_CHECK("no DatasetError for " << folder);
  return "";
}

// Distinct images, each identifiable by its size and seed.
Image numbered(int i) { return pipeline::test::noise_image(3 + i, 2 + i % 3, 3, static_cast<std::uint64_t>(i)); }

}  // namespace

TEST_CASE("load_image_folder decodes every image, sorted by name", "[dataset]") {
  pipeline::test::TempFolder folder;
  // Written out of order; 'B' sorts before 'a' (byte order), '10' before '2'.
  const std::vector<std::string> names = {"c.png", "a.png", "B.png", "img10.png", "img2.png"};
  for (std::size_t i = 0; i < names.size(); ++i)
    pipeline::write_png_atomic(numbered(static_cast<int>(i)), folder.path() / names[i]);

  const auto dataset = pipeline::load_image_folder(folder.path());
  CHECK(names_of(dataset.images) == std::vector<std::string>{"B.png", "a.png", "c.png", "img10.png", "img2.png"});
  CHECK(dataset.failures.empty());
  CHECK(dataset.skipped.empty());
  for (const auto& image : dataset.images) {
    const auto at = std::find(names.begin(), names.end(), image.name);
    REQUIRE(at != names.end());
    CHECK(image.image == numbered(static_cast<int>(at - names.begin())));
  }
}

TEST_CASE("load_image_folder takes at most max_images, the first by name", "[dataset]") {
  pipeline::test::TempFolder folder;
  for (const char* name : {"d.png", "b.png", "a.png", "c.png"}) {
    pipeline::write_png_atomic(numbered(name[0] - 'a'), folder.path() / name);
  }
  CHECK(names_of(pipeline::load_image_folder(folder.path(), 2).images) == std::vector<std::string>{"a.png", "b.png"});
  CHECK(names_of(pipeline::load_image_folder(folder.path(), 1).images) == std::vector<std::string>{"a.png"});
  CHECK(pipeline::load_image_folder(folder.path(), 4).images.size() == 4);
  CHECK(pipeline::load_image_folder(folder.path(), 100).images.size() == 4);
  CHECK(pipeline::load_image_folder(folder.path()).images.size() == 4);
}

TEST_CASE("a corrupt image is a failure by name and the others still load", "[dataset]") {
  pipeline::test::TempFolder folder;
  pipeline::write_png_atomic(numbered(0), folder.path() / "a.png");
  const Image noise = pipeline::test::noise_image(50, 10, 1, 3);
  {
    std::ofstream out(folder.path() / "b-broken.jpg", std::ios::binary);
    out.write(reinterpret_cast<const char*>(noise.bytes().data()), static_cast<std::streamsize>(noise.size_bytes()));
  }
  pipeline::write_png_atomic(numbered(2), folder.path() / "c.png");

  const auto dataset = pipeline::load_image_folder(folder.path());
  CHECK(names_of(dataset.images) == std::vector<std::string>{"a.png", "c.png"});
  REQUIRE(dataset.failures.size() == 1);
  CHECK(dataset.failures[0].file == "b-broken.jpg");
  CHECK_FALSE(dataset.failures[0].reason.empty());
  CHECK(dataset.skipped.empty());
}

TEST_CASE("files that are not images are skipped, by name, and hidden files ignored", "[dataset]") {
  pipeline::test::TempFolder folder;
  pipeline::write_png_atomic(numbered(0), folder.path() / "photo.png");
  write_text(folder.path() / "notes.txt", "not an image, just some notes\n");
  write_text(folder.path() / "README", "read me\n");
  pipeline::write_png_atomic(numbered(1), folder.path() / ".hidden.png");
  fs::create_directory(folder.path() / "subfolder");
  pipeline::write_png_atomic(numbered(2), folder.path() / "subfolder" / "nested.png");
  // An image without an image extension is recognised by its content.
  pipeline::write_png_atomic(numbered(3), folder.path() / "untitled.data");

  const auto dataset = pipeline::load_image_folder(folder.path());
  CHECK(names_of(dataset.images) == std::vector<std::string>{"photo.png", "untitled.data"});
  CHECK(dataset.failures.empty());
  CHECK(dataset.skipped == std::vector<pipeline::SkippedFile>{{"README", "not an image libvips can read"},
                                                              {"notes.txt", "not an image libvips can read"},
                                                              {"subfolder", "a folder, not searched"}});
}

TEST_CASE("entries that are not files are skipped by name with why, and a FIFO is never opened", "[dataset]") {
  pipeline::test::TempFolder folder;
  pipeline::write_png_atomic(numbered(0), folder.path() / "photo.png");
  fs::create_directory(folder.path() / "album.jpg");
  REQUIRE(::mkfifo((folder.path() / "pipe.png").c_str(), 0600) == 0);  // opening it would block for a writer
  fs::create_symlink(folder.path() / "nowhere.png", folder.path() / "dangling.png");
  fs::create_symlink(folder.path() / "loop-b.png", folder.path() / "loop-a.png");
  fs::create_symlink(folder.path() / "loop-a.png", folder.path() / "loop-b.png");
  fs::create_symlink(folder.path() / "photo.png", folder.path() / "link.png");
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = (folder.path() / "socket.png").string();
  REQUIRE(socket_path.size() < sizeof address.sun_path);
  std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
  REQUIRE(::bind(sock, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);

  const auto listing = pipeline::list_image_files(folder.path());
  ::close(sock);
  std::vector<std::string> names;
  for (const auto& file : listing.images) names.push_back(file.filename().string());
  CHECK(names == std::vector<std::string>{"link.png", "photo.png"});  // a link to an image is an image
  CHECK(listing.skipped == std::vector<pipeline::SkippedFile>{{"album.jpg", "a folder, not searched"},
                                                              {"dangling.png", "a dangling symbolic link"},
                                                              {"loop-a.png", "a loop of symbolic links"},
                                                              {"loop-b.png", "a loop of symbolic links"},
                                                              {"pipe.png", "a FIFO (named pipe), not a file"},
                                                              {"socket.png", "a socket, not a file"}});
}

TEST_CASE("a folder that cannot be a dataset is a DatasetError with a clear message", "[dataset]") {
  pipeline::test::TempFolder folder;

  SECTION("missing") {
    const fs::path missing = folder.path() / "nowhere";
    const std::string message = dataset_error(missing);
    CHECK_THAT(message, Contains(missing.string()));
    CHECK_THAT(message, Contains("does not exist"));
  }
  SECTION("a file, not a folder") {
    const fs::path file = folder.path() / "file.png";
    pipeline::write_png_atomic(numbered(0), file);
    const std::string message = dataset_error(file);
    CHECK_THAT(message, Contains(file.string()));
    CHECK_THAT(message, Contains("not a folder"));
  }
  SECTION("empty") {
    const std::string message = dataset_error(folder.path());
    CHECK_THAT(message, Contains(folder.path().string()));
    CHECK_THAT(message, Contains("no images"));
  }
  SECTION("only files that are not images") {
    write_text(folder.path() / "notes.txt", "hello\n");
    const std::string message = dataset_error(folder.path());
    CHECK_THAT(message, Contains("no images"));
    CHECK_THAT(message, Contains("1 other files skipped"));
  }
}

TEST_CASE("the synthetic dataset is deterministic in its seed", "[dataset][synthetic]") {
  pipeline::SyntheticOptions options;
  options.count = 4;
  options.size = std::pair{48, 32};
  options.seed = 42;
  const auto first = pipeline::synthetic_dataset(options);
  const auto again = pipeline::synthetic_dataset(options);
  REQUIRE(first.size() == 4);
  REQUIRE(again.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(again[i].name == first[i].name);
    CHECK(pipeline::digest(again[i].image) == pipeline::digest(first[i].image));
    CHECK(again[i].image == first[i].image);
  }
  // Images of one batch differ from each other.
  std::set<std::uint64_t> digests;
  for (const auto& image : first) digests.insert(pipeline::digest(image.image));
  CHECK(digests.size() == 4);

  options.seed = 43;
  const auto other = pipeline::synthetic_dataset(options);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(other[i].name == first[i].name);
    CHECK(pipeline::digest(other[i].image) != pipeline::digest(first[i].image));
  }
}

TEST_CASE("the synthetic dataset honours count and size, RGB 8-bit, named synthetic-NNN", "[dataset][synthetic]") {
  pipeline::SyntheticOptions options;
  options.count = 3;
  options.size = std::pair{17, 5};
  const auto batch = pipeline::synthetic_dataset(options);
  CHECK(names_of(batch) == std::vector<std::string>{"synthetic-000", "synthetic-001", "synthetic-002"});
  for (const auto& image : batch) {
    CHECK(image.image.width() == 17);
    CHECK(image.image.height() == 5);
    CHECK(image.image.bands() == 3);
    CHECK(image.image.format() == pipeline::SampleFormat::u8);
  }
  options.count = 0;
  CHECK(pipeline::synthetic_dataset(options).empty());
  options.count = 1;
  options.size = std::pair{1, 1};
  CHECK(pipeline::synthetic_dataset(options).front().image.pixel_count() == 1);
  options.size = std::pair{0, 4};
  CHECK_THROWS_AS(pipeline::synthetic_dataset(options), std::invalid_argument);
  options.size = std::pair{4, -1};
  CHECK_THROWS_AS(pipeline::synthetic_dataset(options), std::invalid_argument);
}

TEST_CASE("synthetic image i is the same whatever the count", "[dataset][synthetic]") {
  pipeline::SyntheticOptions options;
  options.size = std::pair{24, 16};
  options.count = 2;
  const auto small = pipeline::synthetic_dataset(options);
  options.count = 5;
  const auto large = pipeline::synthetic_dataset(options);
  REQUIRE(large.size() == 5);
  CHECK(large[0].image == small[0].image);
  CHECK(large[1].image == small[1].image);
  CHECK(large[1].name == small[1].name);
}

TEST_CASE("synthetic images without a size are photo-sized and deterministic", "[dataset][synthetic]") {
  // The sizes alone are cheap to check on one image; a full photo-sized batch would slow the sanitizer run.
  pipeline::SyntheticOptions options;
  options.count = 1;
  const auto image = pipeline::synthetic_dataset(options).front().image;
  CHECK(image.width() >= 640);
  CHECK(image.width() <= 1920);
  CHECK(image.height() >= 480);
  CHECK(image.height() <= 1200);
  CHECK(pipeline::synthetic_dataset(options).front().image == image);
}
