// Workers that die or talk nonsense mid-batch: detected, logged, replaced, the image retried, the batch complete.
// The crashing filters must run inside the workers, so this test executable is its own worker (see
// self_worker_test.cpp): the pool starts it again with --pipeline-worker.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "log_capture.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/shared_image_memory.hpp"
#include "pipeline/worker.hpp"
#include "process_pool/wire.hpp"
#include "test_images.hpp"
#include "worker_faults.hpp"
#include "worker_wire.hpp"

using pipeline::Image;
using pipeline::test::LogCapture;
using pipeline::test::marked_width;
using pipeline::test::no_children_left;

namespace {

// A filter whose output is four bytes per pixel, larger than the one grey byte per pixel the pool leaves room
// for in the shared segment: it must come back inline, intact.
class FatOutputFilter final : public pipeline::Filter {
 public:
  [[nodiscard]] std::string name() const override { return "fat-output"; }
  [[nodiscard]] Image apply(const Image& input) const override {
    const Image grey = pipeline::to_gray8(input);
    Image out(input.width(), input.height(), 4, pipeline::SampleFormat::u8);
    for (std::size_t i = 0; i < grey.size_bytes(); ++i) {
      for (std::size_t b = 0; b < 4; ++b) out.bytes()[4 * i + b] = static_cast<std::uint8_t>(grey.bytes()[i] + 60 * b);
    }
    return out;
  }
};

void register_test_filters() {
  using pipeline::test::first_time;
  using pipeline::test::marked;
  using pipeline::test::register_misbehaving_filter;
  // Only the first attempt dies: the marker file remembers it across processes.
  register_misbehaving_filter("kill-once", [](const Image& input, const std::string& marker) {
    if (marked(input) && first_time(marker)) ::raise(SIGKILL);
  });
  register_misbehaving_filter("kill-always", [](const Image& input, const std::string&) {
    if (marked(input)) ::raise(SIGKILL);
  });
  register_misbehaving_filter("exit-9", [](const Image& input, const std::string&) {
    if (marked(input)) std::_Exit(9);  // 9, like SIGKILL's number: must not be mistaken for it
  });
  register_misbehaving_filter("throw-on-marked", [](const Image& input, const std::string&) {
    if (marked(input)) throw std::runtime_error("marked image refused");
  });
  // As if killed while write_png_atomic wrote "marked.out.png" into the folder named by the parameter: its
  // temporary file stays behind. Only the first attempt.
  register_misbehaving_filter("leave-temporary-and-die", [](const Image& input, const std::string& folder) {
    if (marked(input) && first_time((std::filesystem::path(folder).parent_path() / "died-once").string())) {
      pipeline::test::leave_temporary_output(std::filesystem::path(folder) / "marked.out.png");
      ::raise(SIGKILL);
    }
  });
  pipeline::register_filter("fat-output",
                            [](const std::optional<std::string>&) { return std::make_shared<FatOutputFilter>(); });
}

// A worker that follows the protocol up to its chain, then answers every task with garbage: started as
// `<this program> --garbage-worker`.
int serve_garbage() {
  pipeline::wire::FrameType type{};
  std::vector<std::uint8_t> payload;
  while (pipeline::test::read_frame(type, payload)) {
    std::vector<std::uint8_t> reply(40, 0xAB);
    if (type == pipeline::wire::FrameType::handshake) {
      reply = pipeline::wire::encode_hello({pipeline::wire::protocol_version, ::getpid()});
    } else if (type == pipeline::wire::FrameType::chain) {
      reply = pipeline::wire::encode_ready(pipeline::wire::decode_chain(payload).run);
    } else if (type == pipeline::wire::FrameType::segment) {
      continue;
    }
    pipeline::test::write_all(reply);
  }
  return 0;
}

// Four small images, the third marked.
pipeline::Batch batch_with_marked_image() {
  pipeline::Batch batch;
  for (int i = 0; i < 4; ++i) {
    batch.push_back(
        {"img-" + std::to_string(i), pipeline::test::noise_image(i == 2 ? marked_width : 16, 12, 3, 100 + i)});
  }
  return batch;
}

// One file job per image of `batch`: the image written as "<name>.png" into `in`, its output "<name>.out.png" in
// `out` (created), but "marked.out.png" for the marked image, the name "leave-temporary-and-die" expects.
std::vector<pipeline::FileJob> file_jobs_of(const pipeline::Batch& batch, const std::filesystem::path& in,
                                            const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  std::vector<pipeline::FileJob> jobs;
  for (const auto& [name, image] : batch) {
    const auto input = in / (name + ".png");
    pipeline::write_png_atomic(image, input);
    jobs.push_back({input, out / (pipeline::test::marked(image) ? std::string("marked.out.png") : name + ".out.png")});
  }
  return jobs;
}

}  // namespace

int main(int argc, char** argv) {
  register_test_filters();
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  if (argc == 2 && std::string_view(argv[1]) == "--garbage-worker") return serve_garbage();
  return Catch::Session().run(argc, argv);
}

TEST_CASE("a worker killed mid-batch is replaced and its image retried, the batch complete and correct", "[crash]") {
  const auto transport = GENERATE(pipeline::Transport::shared_memory, pipeline::Transport::pipe);
  INFO(pipeline::to_string(transport));
  pipeline::test::TempFolder folder;
  const std::string marker = (folder.path() / "died-once").string();
  const auto chain = pipeline::parse_filter_chain("kill-once=" + marker);
  const auto batch = batch_with_marked_image();
  LogCapture log;

  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.transport = transport;
  pipeline::ProcessPoolExecutor processes(2, options);
  const auto result = processes.run(chain, batch);

  CHECK(std::filesystem::exists(marker));  // the first attempt did die
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name << ": " << result.tasks[i].record.error);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == pipeline::to_gray8(batch[i].image));
  }
  CHECK_THAT(log.text(), Catch::Contains("killed by signal 9 (SIGKILL)") && Catch::Contains("img-2") &&
                             Catch::Contains("retrying"));

  // The replacement stays in the pool: the next run has both workers, and none of them is the dead one.
  const auto again = processes.run(pipeline::parse_filter_chain("grayscale"), batch);
  CHECK(again.failure_count() == 0);
  const auto pids = processes.worker_pids();
  CHECK(std::count(pids.begin(), pids.end(), 0) == 0);
  for (const auto& task : again.tasks) CHECK(std::count(pids.begin(), pids.end(), task.record.pid) == 1);
  processes.stop();
  CHECK(no_children_left());
}

TEST_CASE("in shared image memory, a worker killed with two images in flight is replaced and both are done",
          "[crash][shared-memory]") {
  // Each case runs in a process of its own: turning shared image memory on here leaves the other cases alone.
  REQUIRE(pipeline::use_shared_image_memory());
  pipeline::test::TempFolder folder;
  const std::string marker = (folder.path() / "died-once").string();
  const auto chain = pipeline::parse_filter_chain("kill-once=" + marker);
  const auto batch = batch_with_marked_image();  // in shared image memory: each worker holds two in flight
  LogCapture log;

  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);

  CHECK(std::filesystem::exists(marker));
  CHECK(result.in_place_tasks == batch.size());  // the retried image and the one queued behind it in place too
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name << ": " << result.tasks[i].record.error);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == pipeline::to_gray8(batch[i].image));
    CHECK(pipeline::in_shared_image_memory(result.tasks[i].output));
  }
  CHECK_THAT(log.text(), Catch::Contains("killed by signal 9 (SIGKILL)") && Catch::Contains("retrying"));
  CHECK(no_children_left());
}

TEST_CASE("in shared image memory, an output of another geometry than grey comes back inline, intact",
          "[crash][shared-memory]") {
  REQUIRE(pipeline::use_shared_image_memory());
  const auto chain = pipeline::parse_filter_chain("fat-output");
  const pipeline::Batch batch{{"a", pipeline::test::noise_image(40, 30, 3, 7)},
                              {"b", pipeline::test::noise_image(9, 5, 1, 8)}};
  const auto result = pipeline::ProcessPoolExecutor(1, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  CHECK(result.in_place_tasks == 0);  // the grey output allocated for each was not the output
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == FatOutputFilter().apply(batch[i].image));
  }
}

TEST_CASE("an output larger than the room left for it in the segment comes back inline, intact", "[crash]") {
  const auto chain = pipeline::parse_filter_chain("fat-output");
  pipeline::Batch batch;
  batch.push_back({"large", pipeline::test::noise_image(1024, 1024, 3, 1)});  // 1 MiB of room, 4 MiB of output
  batch.push_back({"small", pipeline::test::noise_image(16, 16, 3, 2)});
  const auto result = pipeline::ProcessPoolExecutor(1, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == chain.apply(batch[i].image));
  }
  // Inline: the output's samples crossed the pipe inside the result frame.
  CHECK(result.tasks[0].record.bytes_received > 4u * 1024 * 1024);
}

TEST_CASE("a worker killed during a file job is replaced, the job retried, and its output complete", "[crash][files]") {
  pipeline::test::TempFolder folder;
  const auto out = folder.path() / "out";
  const auto batch = batch_with_marked_image();
  const auto jobs = file_jobs_of(batch, folder.path(), out);
  // Dies on the marked image the first time, as if in the middle of writing its output.
  const auto chain = pipeline::parse_filter_chain("leave-temporary-and-die=" + out.string());
  LogCapture log;
  const auto result =
      pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run_files(chain, jobs, {});

  CHECK(std::filesystem::exists(folder.path() / "died-once"));
  REQUIRE(result.tasks.size() == jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO(jobs[i].input);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(pipeline::decode_image(jobs[i].output) == pipeline::to_gray8(batch[i].image));
  }
  // The dead worker's temporary file is gone: the folder holds the outputs and nothing else.
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    INFO(entry.path());
    CHECK(entry.path().extension() == ".png");
    CHECK(entry.path().filename().string().front() != '.');
    ++entries;
  }
  CHECK(entries == jobs.size());
  CHECK_THAT(log.text(), Catch::Contains("killed by signal 9 (SIGKILL)") && Catch::Contains("img-2.png"));
  CHECK_THAT(log.text(), Catch::Contains("removing '" + (out / ".marked.out.png.").string()));  // there was one
}

TEST_CASE("an image that kills every worker fails after its retry, the others are correct", "[crash]") {
  const auto chain = pipeline::parse_filter_chain("kill-always");
  const auto batch = batch_with_marked_image();
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);

  const auto& failed = result.tasks[2].record;
  CHECK_FALSE(failed.ok());
  CHECK(failed.image == "img-2");
  CHECK_THAT(failed.error, Catch::Contains("2 attempts") && Catch::Contains("killed by signal 9 (SIGKILL)"));
  CHECK(result.tasks[2].output.empty());
  CHECK(result.failure_count() == 1);
  for (std::size_t i : {0u, 1u, 3u}) {
    INFO(batch[i].name);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == pipeline::to_gray8(batch[i].image));
  }
  CHECK(no_children_left());
}

TEST_CASE("a file job that kills every worker fails alone after its retry: the job flushed behind it is not blamed",
          "[crash][files]") {
  pipeline::test::TempFolder folder;
  const auto out = folder.path() / "out";
  const auto batch = batch_with_marked_image();
  const auto jobs = file_jobs_of(batch, folder.path(), out);
  // One worker: the marked job runs while the output of the job before it may still be being flushed.
  const auto result = pipeline::ProcessPoolExecutor(1, pipeline::ProcessPoolOptions::self_worker())
                          .run_files(pipeline::parse_filter_chain("kill-always"), jobs, {});
  REQUIRE(result.tasks.size() == jobs.size());
  CHECK_THAT(result.tasks[2].record.error,
             Catch::Contains("2 attempts") && Catch::Contains("killed by signal 9 (SIGKILL)"));
  CHECK(result.failure_count() == 1);
  for (std::size_t i : {0u, 1u, 3u}) {
    INFO(jobs[i].input << ": " << result.tasks[i].record.error);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(pipeline::decode_image(jobs[i].output) == pipeline::to_gray8(batch[i].image));
  }
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().front() != '.');  // no temporary file left by the dead workers
  }
  CHECK(no_children_left());
}

TEST_CASE("max_retries = 0 gives an image up after the first death", "[crash]") {
  pipeline::test::TempFolder folder;
  const auto chain = pipeline::parse_filter_chain("kill-once=" + (folder.path() / "died-once").string());
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.max_retries = 0;
  const auto result = pipeline::ProcessPoolExecutor(1, options).run(chain, batch_with_marked_image());
  CHECK_THAT(result.tasks[2].record.error, Catch::Contains("killed by signal 9 (SIGKILL)"));
  CHECK(result.failure_count() == 1);
  CHECK(no_children_left());
}

TEST_CASE("a worker that exits is told apart from one that is killed", "[crash]") {
  const auto chain = pipeline::parse_filter_chain("exit-9");
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker())
                          .run(chain, batch_with_marked_image());
  CHECK_THAT(result.tasks[2].record.error, Catch::Contains("exited with code 9") && !Catch::Contains("signal"));
  CHECK(result.failure_count() == 1);
  CHECK(no_children_left());
}

TEST_CASE("a filter's exception in a worker fails its image only, without killing the worker", "[crash]") {
  const auto chain = pipeline::parse_filter_chain("throw-on-marked");
  const auto batch = batch_with_marked_image();
  const auto result = pipeline::ProcessPoolExecutor(1, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);
  CHECK(result.tasks[2].record.error == "marked image refused");
  CHECK(result.failure_count() == 1);
  // One worker did everything: the exception did not cost it its life.
  CHECK(result.tasks[0].record.pid == result.tasks[3].record.pid);
}

TEST_CASE("a worker that sends a malformed frame is killed and replaced, its image reported failed", "[crash]") {
  pipeline::ProcessPoolOptions options;
  options.worker_program = std::filesystem::read_symlink("/proc/self/exe");
  options.worker_arguments = {"--garbage-worker"};
  pipeline::Batch batch;
  batch.push_back({"a", pipeline::test::noise_image(8, 8, 1, 1)});
  batch.push_back({"b", pipeline::test::noise_image(8, 8, 1, 2)});
  const auto result = pipeline::ProcessPoolExecutor(1, options).run(pipeline::parse_filter_chain("blur"), batch);
  REQUIRE(result.tasks.size() == 2);
  for (const auto& task : result.tasks) {
    CHECK_THAT(task.record.error,
               Catch::Contains("broke the protocol") && Catch::Contains("bad magic") && Catch::Contains("2 attempts"));
  }
  CHECK(no_children_left());
}

TEST_CASE(
    "a worker killed during a file job gives its share of the memory budget back: with room for one image "
    "at a time the batch completes",
    "[crash][files][memory_budget]") {
  pipeline::test::TempFolder folder;
  const auto out = folder.path() / "out";
  const auto batch = batch_with_marked_image();
  const auto jobs = file_jobs_of(batch, folder.path(), out);
  // The largest image's share and half as much again: two never fit at once. Were the killed worker's share
  // kept, nothing after it would ever be admitted, and the run would hang.
  const std::uint64_t one = pipeline::estimate_task_memory(pipeline::read_image_header(jobs.front().input));
  const auto chain = pipeline::parse_filter_chain("kill-once=" + (folder.path() / "killed").string());
  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker())
                          .run_files(chain, jobs, {.memory_budget = one + one / 2});
  CHECK(std::filesystem::exists(folder.path() / "killed"));
  REQUIRE(result.tasks.size() == jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO(jobs[i].input << ": " << result.tasks[i].record.error);
    CHECK(result.tasks[i].record.ok());
    CHECK(pipeline::decode_image(jobs[i].output) == pipeline::to_gray8(batch[i].image));
  }
}
