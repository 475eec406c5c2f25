// Workers that freeze, hang or die as they start: found by the task and start-up timeouts, killed, replaced, and
// the batch completes; only a program that never starts at all ends the run. This executable is its own worker
// (as process_pool_crash_test.cpp), so its misbehaving filters run inside the workers.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include <catch2/catch.hpp>

#include "folders.hpp"
#include "log_capture.hpp"
#include "pipeline/filter_registry.hpp"
#include "pipeline/image_io.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/worker.hpp"
#include "test_images.hpp"
#include "worker_faults.hpp"

using pipeline::Image;
using pipeline::test::marked_width;
using pipeline::test::no_children_left;
namespace fs = std::filesystem;

namespace {

// The output a worker holds half written in the give-up case below, and the image width of the job that kills
// the other worker once it does.
constexpr const char* held_output = "held.out.png";
constexpr int killer_width = 14;

// `hold-or-kill=OUT_DIR`: on the marked image, the worker leaves the temporary file of OUT_DIR/held.out.png, as
// if in the middle of writing it, and hangs there; on an image `killer_width` wide, it waits for that file (a
// minute at most), notes it saw it (OUT_DIR/../saw-temporary), and dies of SIGKILL.
void hold_or_kill(const Image& input, const std::string& out) {
  if (pipeline::test::marked(input)) {
    pipeline::test::leave_temporary_output(fs::path(out) / held_output);
    for (;;) ::pause();
  }
  if (input.width() != killer_width) return;
  const std::string temporary = std::string(".") + held_output + ".";
  for (int waited_ms = 0; waited_ms < 60'000; waited_ms += 2) {
    const auto hidden = pipeline::test::hidden_files_in(out);
    if (std::any_of(hidden.begin(), hidden.end(),
                    [&](const std::string& name) { return name.starts_with(temporary); })) {
      std::ofstream(fs::path(out).parent_path() / "saw-temporary");
      break;
    }
    ::usleep(2'000);
  }
  ::raise(SIGKILL);
}

// `paced=MARKER`, for the task timeout's median multiple: a 16-pixel-wide image takes 20 ms (the run's usual
// task), a 15-pixel-wide one a whole second (slow but sound), and the marked image never ends the first time.
constexpr int usual_width = 16;
constexpr int slow_width = 15;
constexpr std::chrono::milliseconds usual_task{20};
constexpr std::chrono::milliseconds slow_task{1000};

void paced(const Image& input, const std::string& marker) {
  if (input.width() == usual_width) std::this_thread::sleep_for(usual_task);
  if (input.width() == slow_width) std::this_thread::sleep_for(slow_task);
  if (pipeline::test::marked(input) && pipeline::test::first_time(marker)) {
    for (;;) ::pause();
  }
}

void register_test_filters() {
  using pipeline::test::first_time;
  using pipeline::test::marked;
  using pipeline::test::register_misbehaving_filter;
  register_misbehaving_filter("freeze-once", [](const Image& input, const std::string& marker) {
    if (marked(input) && first_time(marker)) ::raise(SIGSTOP);  // frozen, as by a debugger or `kill -STOP`
  });
  register_misbehaving_filter("hang-once", [](const Image& input, const std::string& marker) {
    if (marked(input) && first_time(marker)) {
      for (;;) ::pause();  // a filter that never returns
    }
  });
  register_misbehaving_filter("hang-always", [](const Image& input, const std::string&) {
    if (marked(input)) {
      for (;;) ::pause();
    }
  });
  register_misbehaving_filter("hold-or-kill", hold_or_kill);
  register_misbehaving_filter("paced", paced);
}

// Worker starts die while this folder holds a token: each start takes one (rename is atomic) and dies of SIGKILL
// before its hello, as a replacement killed the moment it appears.
constexpr const char* start_deaths_variable = "PIPELINE_TEST_START_DEATHS";

void maybe_die_at_start() {
  const char* folder = std::getenv(start_deaths_variable);
  if (folder == nullptr) return;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() != ".token") continue;
    if (::rename(entry.path().c_str(), (entry.path().string() + ".taken").c_str()) == 0) ::raise(SIGKILL);
  }
}

// The parent's side: worker starts die from the moment deaths are added, until this object goes.
class StartDeaths {
 public:
  explicit StartDeaths(const fs::path& folder) : tokens_(folder / "tokens") {
    fs::create_directories(tokens_);
    ::setenv(start_deaths_variable, tokens_.c_str(), 1);
  }
  ~StartDeaths() { ::unsetenv(start_deaths_variable); }
  StartDeaths(const StartDeaths&) = delete;
  StartDeaths& operator=(const StartDeaths&) = delete;

  // The next `count` worker starts die.
  void add(int count) {
    for (int i = 0; i < count; ++i) std::ofstream(tokens_ / ("death-" + std::to_string(added_++) + ".token"));
  }
  // How many starts died so far.
  [[nodiscard]] std::size_t taken() const {
    std::size_t taken = 0;
    for (const auto& entry : fs::directory_iterator(tokens_)) taken += entry.path().extension() == ".taken" ? 1 : 0;
    return taken;
  }

 private:
  fs::path tokens_;
  int added_ = 0;
};

pipeline::Batch batch_with_marked_image() {
  pipeline::Batch batch;
  for (int i = 0; i < 6; ++i) {
    batch.push_back(
        {"img-" + std::to_string(i), pipeline::test::noise_image(i == 2 ? marked_width : 16, 12, 3, 40 + i)});
  }
  return batch;
}

void check_all_done(const pipeline::Batch& batch, const pipeline::BatchResult& result) {
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name << ": " << result.tasks[i].record.error);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == pipeline::to_gray8(batch[i].image));
  }
}

pipeline::ProcessPoolOptions with_task_timeout(double seconds) {
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.task_timeout.seconds = seconds;
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  register_test_filters();
  if (argc >= 2 && std::string_view(argv[1]) == pipeline::worker_flag) maybe_die_at_start();
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  if (argc == 2 && std::string_view(argv[1]) == "--silent-worker") {
    for (;;) ::pause();  // started as a worker, says nothing: no hello, ever
  }
  return Catch::Session().run(argc, argv);
}

TEST_CASE("a frozen worker is found by the task timeout, killed, replaced, and its image retried", "[faults]") {
  pipeline::test::TempFolder folder;
  const auto chain = pipeline::parse_filter_chain("freeze-once=" + (folder.path() / "froze").string());
  const auto batch = batch_with_marked_image();
  pipeline::ProcessPoolExecutor processes(2, with_task_timeout(1.0));
  const auto result = processes.run(chain, batch);
  CHECK(fs::exists(folder.path() / "froze"));  // the first attempt did freeze
  check_all_done(batch, result);
  processes.stop();
  CHECK(no_children_left());
}

TEST_CASE("a filter that never returns is cut by the task timeout and one that always hangs fails alone", "[faults]") {
  pipeline::test::TempFolder folder;
  const auto batch = batch_with_marked_image();
  pipeline::ProcessPoolExecutor processes(2, with_task_timeout(1.0));
  check_all_done(batch,
                 processes.run(pipeline::parse_filter_chain("hang-once=" + (folder.path() / "hung").string()), batch));

  const auto always = processes.run(pipeline::parse_filter_chain("hang-always"), batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name);
    CHECK(always.tasks[i].record.ok() == (i != 2));
  }
  CHECK_THAT(always.tasks[2].record.error, Catch::Contains("did not finish its task within") &&
                                               Catch::Contains("the task timeout") && Catch::Contains("was killed"));
  processes.stop();
  CHECK(no_children_left());
}

TEST_CASE("without a task timeout none is applied, and a timeout must be finite and not negative", "[faults]") {
  CHECK(pipeline::ProcessPoolOptions{}.task_timeout.seconds == 0.0);
  CHECK_THROWS_AS(pipeline::ProcessPoolExecutor(1, with_task_timeout(-1.0)), std::invalid_argument);
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.start_timeout_seconds = 0.0;
  CHECK_THROWS_AS(pipeline::ProcessPoolExecutor(1, options), std::invalid_argument);
}

TEST_CASE("replacements killed as they start are started again, and the batch completes", "[faults]") {
  pipeline::test::TempFolder folder;
  StartDeaths deaths(folder.path());
  const auto batch = batch_with_marked_image();
  pipeline::ProcessPoolExecutor processes(2, with_task_timeout(1.0));
  processes.start();  // the first workers start before any death is added
  // The frozen worker's replacement dies as it starts, and so does the next: two failed starts in a row.
  deaths.add(2);
  const auto result =
      processes.run(pipeline::parse_filter_chain("freeze-once=" + (folder.path() / "froze").string()), batch);
  CHECK(deaths.taken() == 2);
  check_all_done(batch, result);
  // The attempts charged to the image: only the freeze, not the deaths at start-up (max_retries is 1).
  processes.stop();
  CHECK(no_children_left());
}

TEST_CASE("replacements that keep dying as they start end the run after a bounded number of starts", "[faults]") {
  pipeline::test::TempFolder folder;
  StartDeaths deaths(folder.path());
  pipeline::ProcessPoolExecutor processes(2, with_task_timeout(1.0));
  processes.start();
  deaths.add(50);
  const auto batch = batch_with_marked_image();
  CHECK_THROWS_WITH(
      processes.run(pipeline::parse_filter_chain("freeze-once=" + (folder.path() / "froze").string()), batch),
      Catch::Contains("failed before its handshake (6 starts in a row)") && Catch::Contains("killed by signal 9"));
  CHECK(deaths.taken() == 6);  // 2 workers + 3 more failed starts in a row allowed, and the one over the bound
  CHECK(no_children_left());
}

TEST_CASE("a worker that never says hello is killed by the start-up timeout, and the run says so", "[faults]") {
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.worker_arguments = {"--silent-worker"};
  options.start_timeout_seconds = 0.5;
  pipeline::ProcessPoolExecutor processes(2, options);
  CHECK_THROWS_WITH(processes.run(pipeline::parse_filter_chain("grayscale"), batch_with_marked_image()),
                    Catch::Contains("did not answer its handshake within") && Catch::Contains("start-up timeout"));
  CHECK(no_children_left());
}

TEST_CASE("a run given up mid-write leaves no temporary output of the jobs in flight, and no worker",
          "[faults][files]") {
  // One worker holds a half-written output (its temporary file) and hangs; the other dies once that file exists,
  // and every replacement dies as it starts: the run is given up with the first worker's jobs in flight. Nothing
  // else removes the temporary file: only the pool's giving up, as it kills that worker.
  pipeline::test::TempFolder folder;
  const auto out = folder.path() / "out";
  fs::create_directories(out);
  std::vector<pipeline::FileJob> jobs;
  for (const auto& [name, width] : {std::pair{"held", marked_width}, std::pair{"queued-behind-held", 16},
                                    std::pair{"killer", killer_width}, std::pair{"queued-behind-killer", 16}}) {
    const auto input = folder.path() / (std::string(name) + ".png");
    pipeline::write_png_atomic(pipeline::test::noise_image(width, 12, 3, 90), input);
    jobs.push_back({input, out / (std::string(name) + ".out.png")});
  }
  StartDeaths deaths(folder.path());
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.task_timeout.seconds = 120.0;  // never reached; should it be, the case fails instead of hanging
  pipeline::ProcessPoolExecutor processes(2, options);
  // Started first, so that the run sends at once, in order, two jobs to each: the held one and the one behind it
  // to the first worker, the killer and the one behind it to the second.
  processes.start();
  deaths.add(50);
  CHECK_THROWS_WITH(processes.run_files(pipeline::parse_filter_chain("hold-or-kill=" + out.string()), jobs, {}),
                    Catch::Contains("failed before its handshake (6 starts in a row)"));
  CHECK(fs::exists(folder.path() / "saw-temporary"));  // the file was there when the run began to fail
  CHECK(deaths.taken() == 6);
  CHECK(pipeline::test::hidden_files_in(out).empty());
  CHECK(pipeline::test::files_in(out).empty());  // and no output was finished
  CHECK(no_children_left());
}

TEST_CASE("the task timeout is the larger of its seconds and its multiple of the run's median task", "[faults]") {
  // A floor of 0.5 s and 150 times the median: the usual task takes 20 ms, so after a few the timeout is 3 s at
  // least. A task of a second, twice the floor, is slow but sound: it is not cut. A task that never ends is cut
  // at the median multiple, and retried like a crash.
  pipeline::test::TempFolder folder;
  const auto marker = folder.path() / "stuck";
  pipeline::Batch batch;  // run in this order, largest first, one at a time
  for (int i = 0; i < 3; ++i)
    batch.push_back({"usual-" + std::to_string(i), pipeline::test::noise_image(usual_width, 12, 3, 20 + i)});
  batch.push_back({"slow", pipeline::test::noise_image(slow_width, 12, 3, 30)});
  batch.push_back({"stuck", pipeline::test::noise_image(marked_width, 12, 3, 31)});
  auto options = pipeline::ProcessPoolOptions::self_worker();
  options.task_timeout = {0.5, 150.0};
  pipeline::test::LogCapture log;
  const auto result =
      pipeline::ProcessPoolExecutor(1, options).run(pipeline::parse_filter_chain("paced=" + marker.string()), batch);
  INFO(log.text());
  check_all_done(batch, result);

  const auto& slow = result.tasks[3].record;
  CHECK(slow.seconds() > options.task_timeout.seconds);  // beyond the floor...
  CHECK(slow.pid == result.tasks[2].record.pid);         // ...yet not killed: a killed worker is replaced
  CHECK_THAT(log.text(), !Catch::Contains("'slow'"));

  // The stuck task was cut at 150 times the median of the four tasks done before it, and retried.
  CHECK(fs::exists(marker));
  std::vector<double> done;
  for (std::size_t i = 0; i < 4; ++i) done.push_back(result.tasks[i].record.seconds());
  std::sort(done.begin(), done.end());
  const double median = (done[1] + done[2]) / 2.0;  // as the pool computes it, to the last bit
  const double timeout = std::max(options.task_timeout.seconds, options.task_timeout.median_multiple * median);
  CHECK(timeout >= 150 * std::chrono::duration<double>(usual_task).count());
  CHECK_THAT(log.text(), Catch::Contains("did not finish its task within " + pipeline::format_duration(timeout) +
                                         " (the task timeout) and was killed while processing 'stuck'; retrying it"));
  CHECK(result.tasks[4].record.pid != slow.pid);
}
