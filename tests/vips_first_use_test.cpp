// A program that never calls initialize_vips(): the library starts libvips itself on first use, with the default
// settings (vips.hpp, ensure_vips_initialized). Nothing here may call initialize_vips() before the library does,
// so this program is left out of the listener that starts libvips in the others (support/vips_listener.cpp); ctest
// runs each case in a process of its own, so each starts with libvips not started.
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/dataset.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/sequential_executor.hpp"
#include "pipeline/thread_pool_executor.hpp"
#include "pipeline/vips.hpp"
#include "test_images.hpp"

TEST_CASE("a folder loads without initialize_vips()", "[vips]") {
  const pipeline::test::TempFolder folder;
  const pipeline::Image image = pipeline::test::noise_image(17, 9, 3, 5);
  pipeline::write_png_atomic(image, folder.path() / "a.png");  // libdeflate, not libvips

  const pipeline::FolderDataset loaded = pipeline::load_image_folder(folder.path());
  REQUIRE(loaded.failures.empty());
  REQUIRE(loaded.images.size() == 1);
  CHECK(loaded.images[0].image == image);
  const pipeline::VipsSettings settings = pipeline::current_vips_settings();
  CHECK(settings.concurrency == 1);
  CHECK(settings.cache_max_operations == 0);
}

TEST_CASE("files run on threads without initialize_vips()", "[vips]") {
  const pipeline::test::TempFolder folder;
  pipeline::write_png_atomic(pipeline::test::noise_image(12, 8, 3, 2), folder.path() / "a.png");
  const std::vector<pipeline::FileJob> jobs{{folder.path() / "a.png", folder.path() / "b.png"}};
  const auto result = pipeline::ThreadPoolExecutor(2).run_files(pipeline::parse_filter_chain("grayscale"), jobs, {});
  REQUIRE(result.tasks.size() == 1);
  CHECK(result.tasks[0].record.error == "");
}

TEST_CASE("files run in sequence without initialize_vips()", "[vips]") {
  const pipeline::test::TempFolder folder;
  pipeline::write_png_atomic(pipeline::test::noise_image(12, 8, 3, 2), folder.path() / "a.png");
  const std::vector<pipeline::FileJob> jobs{{folder.path() / "a.png", folder.path() / "b.png"}};
  const auto result = pipeline::SequentialExecutor().run_files(pipeline::parse_filter_chain("grayscale"), jobs, {});
  REQUIRE(result.tasks.size() == 1);
  CHECK(result.tasks[0].record.error == "");
}

TEST_CASE("the settings read back without initialize_vips() are the defaults", "[vips]") {
  const pipeline::VipsSettings settings = pipeline::current_vips_settings();
  CHECK(settings.concurrency == 1);
  CHECK(settings.cache_max_operations == 0);
}

TEST_CASE("initialize_vips() after the library started libvips applies its settings", "[vips]") {
  pipeline::ensure_vips_initialized();
  pipeline::initialize_vips({.concurrency = 2, .cache_max_operations = 5});
  const pipeline::VipsSettings settings = pipeline::current_vips_settings();
  CHECK(settings.concurrency == 2);
  CHECK(settings.cache_max_operations == 5);
}

TEST_CASE("the library's first use keeps the settings of an earlier initialize_vips()", "[vips]") {
  pipeline::initialize_vips({.concurrency = 3, .cache_max_operations = 7});
  pipeline::ensure_vips_initialized();
  const pipeline::VipsSettings settings = pipeline::current_vips_settings();
  CHECK(settings.concurrency == 3);
  CHECK(settings.cache_max_operations == 7);
}

TEST_CASE("threads using libvips for the first time at once start it once", "[vips]") {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([] { pipeline::ensure_vips_initialized(); });
  for (auto& thread : threads) thread.join();
  CHECK(pipeline::current_vips_settings().concurrency == 1);
}
