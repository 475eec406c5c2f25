// Shared image memory: where images live once it is on, how its blocks are reused, and the process pool passing
// images in place through it. Each case runs in a process of its own (ctest runs cases one by one), so turning it
// on in one case leaves the others on the heap.
#include "pipeline/shared_image_memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/sequential_executor.hpp"
#include "test_images.hpp"

using pipeline::Batch;
using pipeline::Image;
using pipeline::ProcessPoolExecutor;
using pipeline::ProcessPoolOptions;
using pipeline::SampleFormat;
using pipeline::Transport;
namespace fs = std::filesystem;

namespace {

void turn_on() {
  std::string why;
  REQUIRE(pipeline::use_shared_image_memory(pipeline::default_shared_image_capacity, &why));
  CHECK(why.empty());
}

Batch photo_sized_batch(std::size_t count, std::uint64_t seed) {
  Batch batch;
  for (std::size_t i = 0; i < count; ++i) {
    const int width = 96 + 37 * static_cast<int>(i % 4);
    batch.push_back(
        {"image-" + std::to_string(i), pipeline::test::noise_image(width, 64 + static_cast<int>(i), 3, seed + i)});
  }
  return batch;
}

}  // namespace

TEST_CASE("images live on the heap until shared image memory is on, and in it after", "[shared-memory]") {
  const Image before = pipeline::test::noise_image(64, 48, 3, 1);
  CHECK_FALSE(pipeline::in_shared_image_memory(before));
  CHECK_FALSE(pipeline::shared_image_memory_use().on);

  turn_on();
  CHECK(pipeline::use_shared_image_memory());  // a second call keeps the first
  const Image after(64, 48, 3);
  CHECK(pipeline::in_shared_image_memory(after));
  CHECK(pipeline::in_shared_image_memory(Image(before)));  // a copy is a new image, made now
  CHECK_FALSE(pipeline::in_shared_image_memory(before));   // the one made before stays where it was
  CHECK_FALSE(pipeline::in_shared_image_memory(Image()));

  const auto use = pipeline::shared_image_memory_use();
  CHECK(use.on);
  CHECK(use.capacity_bytes == pipeline::default_shared_image_capacity);
  CHECK(use.blocks == 1);
  CHECK(use.in_use_bytes == 12288);  // 64 x 48 x 3 bytes, in whole pages
  CHECK(use.file_bytes >= use.in_use_bytes);
}

TEST_CASE("an image in shared image memory is zero-filled and behaves like any other", "[shared-memory]") {
  turn_on();
  Image image(300, 200, 3);
  for (const auto v : image.bytes()) REQUIRE(v == 0);
  const Image noise = pipeline::test::noise_image(300, 200, 3, 7);
  std::copy(noise.bytes().begin(), noise.bytes().end(), image.bytes().begin());
  CHECK(image == noise);
  Image moved = std::move(image);
  CHECK(moved == noise);
  CHECK(image.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
}

TEST_CASE("freed blocks are reused, neighbours merged, so the same sizes land where they were", "[shared-memory]") {
  turn_on();
  const std::uint8_t* first_at = nullptr;
  {
    const Image first(1000, 1000, 1);
    first_at = first.bytes().data();
  }
  {
    const Image again(1000, 1000, 1);
    CHECK(again.bytes().data() == first_at);  // freed at the top: the top came back down
  }
  Image a(1000, 1000, 1);
  Image b(1000, 1000, 1);
  const Image c(1000, 1000, 1);  // keeps the space below the top
  const std::uint8_t* a_at = a.bytes().data();
  a = Image();
  b = Image();
  const Image both(2000, 1000, 1);  // fits only in a and b merged
  CHECK(both.bytes().data() == a_at);
  CHECK(pipeline::shared_image_memory_use().blocks == 2);
}

TEST_CASE("the process pool passes images in shared image memory in place, with identical outputs",
          "[shared-memory][processes]") {
  turn_on();
  const auto chain = pipeline::parse_filter_chain(pipeline::default_filter_spec);
  const Batch batch = photo_sized_batch(8, 100);
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  ProcessPoolExecutor pool(2);
  for (int run = 0; run < 2; ++run) {  // the second run reuses the workers and the blocks
    const auto result = pool.run(chain, batch);
    CHECK(result.transport == "shm");
    CHECK(result.in_place_tasks == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      INFO("run " << run << ", " << batch[i].name);
      const auto& task = result.tasks[i];
      REQUIRE(task.record.ok());
      CHECK(task.output == expected.tasks[i].output);
      CHECK(pipeline::in_shared_image_memory(task.output));
      // Only frames went through the pipes: no sample.
      CHECK(task.record.bytes_sent < 1024);
      CHECK(task.record.bytes_received < 1024);
    }
  }
  for (const auto pid : pool.worker_pids()) {
    const auto target = fs::read_symlink(fs::path("/proc") / std::to_string(pid) / "fd" / "4");
    CHECK_THAT(target.string(), Catch::StartsWith("/memfd:image-pipeline-images"));
  }
}

TEST_CASE("images made before shared image memory, and piped pools, still travel by copy",
          "[shared-memory][processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,blur,sobel");
  Batch batch = photo_sized_batch(3, 200);  // on the heap
  turn_on();
  const Batch shared = photo_sized_batch(3, 300);  // in shared image memory
  batch.insert(batch.end(), shared.begin(), shared.end());
  // 16-bit RGB: the output is grey of the same size, written in place like any other.
  Image deep(40, 30, 3, SampleFormat::u16);
  for (std::size_t i = 0; i < deep.size_bytes(); ++i) deep.bytes()[i] = static_cast<std::uint8_t>(i * 13);
  batch.push_back({"rgb16", deep});

  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto mixed = ProcessPoolExecutor(2).run(chain, batch);
  CHECK(mixed.in_place_tasks == 4);
  ProcessPoolOptions piped_options;
  piped_options.transport = Transport::pipe;
  const auto piped = ProcessPoolExecutor(2, piped_options).run(chain, batch);
  CHECK(piped.in_place_tasks == 0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(expected.tasks[i].record.ok());
    CHECK(mixed.tasks[i].output == expected.tasks[i].output);
    CHECK(piped.tasks[i].output == expected.tasks[i].output);
  }
}

TEST_CASE("a pool started before shared image memory was on keeps copying, correctly", "[shared-memory][processes]") {
  const auto chain = pipeline::parse_filter_chain("grayscale,sharpen");
  ProcessPoolExecutor pool(1);
  pool.start();
  turn_on();
  const Batch batch = photo_sized_batch(3, 400);
  const auto expected = pipeline::SequentialExecutor().run(chain, batch);
  const auto result = pool.run(chain, batch);
  CHECK(result.in_place_tasks == 0);  // its worker never got the memory
  for (std::size_t i = 0; i < batch.size(); ++i) CHECK(result.tasks[i].output == expected.tasks[i].output);
}

TEST_CASE("freed images' pages are handed back once much more is free than in use", "[shared-memory]") {
  turn_on();
  constexpr std::uint64_t mib = std::uint64_t{1} << 20;
  {
    std::vector<Image> images;
    for (int i = 0; i < 160; ++i) {  // 320 MiB, every page touched
      images.emplace_back(1024, 2048, 1);
      std::fill(images.back().bytes().begin(), images.back().bytes().end(), std::uint8_t{7});
    }
    CHECK(pipeline::shared_image_memory_use().resident_bytes >= 320 * mib);
  }
  // Freed one by one: a freed block of a MiB or more is punched out of the file once the free space exceeds
  // max(256 MiB, what is in use); up to that, freed pages stay for reuse.
  const auto use = pipeline::shared_image_memory_use();
  CHECK(use.in_use_bytes == 0);
  CHECK(use.resident_bytes <= 258 * mib);
  CHECK(use.resident_bytes >= 200 * mib);

  // A punched range reads as zeros and is reused like any other.
  Image again(1024, 2048, 1);
  CHECK(pipeline::in_shared_image_memory(again));
  std::fill(again.bytes().begin(), again.bytes().end(), std::uint8_t{9});
  CHECK(again.bytes()[12345] == 9);
}
