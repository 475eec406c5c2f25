// Workers that die or talk nonsense mid-batch: detected, logged, replaced, the image retried, the batch complete.
// The crashing filters must run inside the workers, so this test executable is its own worker (see
// self_worker_test.cpp): the pool starts it again with --pipeline-worker.
#define CATCH_CONFIG_RUNNER  // our own main (it must serve as a worker before Catch2 sees the arguments)
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "pipeline/filter_registry.hpp"
#include "pipeline/process_pool_executor.hpp"
#include "pipeline/wire.hpp"
#include "pipeline/worker.hpp"
#include "test_images.hpp"

using pipeline::Image;

namespace {

// Images this wide are "marked": the test filters misbehave on them only.
constexpr int marked_width = 13;

enum class Misdeed { kill_once, kill_always, exit_9, throw_error };

// Grey conversion, except on a marked image, where it does its misdeed.
class MisbehavingFilter final : public pipeline::Filter {
 public:
  MisbehavingFilter(std::string name, Misdeed misdeed, std::string marker)
      : name_(std::move(name)), misdeed_(misdeed), marker_(std::move(marker)) {}
  [[nodiscard]] std::string name() const override { return marker_.empty() ? name_ : name_ + "=" + marker_; }
  [[nodiscard]] Image apply(const Image& input) const override {
    if (input.width() == marked_width) {
      switch (misdeed_) {
        case Misdeed::kill_once: {
          // Only the first attempt dies: the marker file, created atomically, remembers it across processes.
          const int fd = ::open(marker_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
          if (fd >= 0) {
            ::close(fd);
            ::raise(SIGKILL);
          }
          break;
        }
        case Misdeed::kill_always: ::raise(SIGKILL); break;
        case Misdeed::exit_9: std::_Exit(9);  // 9, like SIGKILL's number: must not be mistaken for it
        case Misdeed::throw_error: throw std::runtime_error("marked image refused");
      }
    }
    return pipeline::to_gray8(input);
  }

 private:
  std::string name_;
  Misdeed misdeed_;
  std::string marker_;
};

void register_test_filters() {
  const std::array<std::pair<const char*, Misdeed>, 4> filters{{{"kill-once", Misdeed::kill_once},
                                                                 {"kill-always", Misdeed::kill_always},
                                                                 {"exit-9", Misdeed::exit_9},
                                                                 {"throw-on-marked", Misdeed::throw_error}}};
  for (const auto& [name, misdeed] : filters) {
    pipeline::register_filter(name, [name = std::string(name), misdeed = misdeed](const std::optional<std::string>& arg) {
      return std::make_shared<MisbehavingFilter>(name, misdeed, arg.value_or(""));
    });
  }
}

// A worker that says hello and then answers every task with garbage: started as `<this program> --garbage-worker`.
int serve_garbage() {
  std::vector<std::uint8_t> buffer(1 << 16);
  bool greeted = false;
  while (::read(STDIN_FILENO, buffer.data(), buffer.size()) > 0) {
    const auto reply = greeted ? std::vector<std::uint8_t>(40, 0xAB) : pipeline::wire::encode_hello({pipeline::wire::protocol_version, ::getpid()});
    greeted = true;
    if (::write(STDOUT_FILENO, reply.data(), reply.size()) < 0) return 1;
  }
  return 0;
}

// Four small images, the third marked.
pipeline::Batch batch_with_marked_image() {
  pipeline::Batch batch;
  for (int i = 0; i < 4; ++i) {
    batch.push_back({"img-" + std::to_string(i), pipeline::test::noise_image(i == 2 ? marked_width : 16, 12, 3, 100 + i)});
  }
  return batch;
}

bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// Captures what the pool logs, to check a death is reported with its PID and cause.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  [[nodiscard]] std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

}  // namespace

int main(int argc, char** argv) {
  register_test_filters();
  if (auto code = pipeline::maybe_serve_worker(argc, argv)) return *code;
  if (argc == 2 && std::string_view(argv[1]) == "--garbage-worker") return serve_garbage();
  return Catch::Session().run(argc, argv);
}

TEST_CASE("a worker killed mid-batch is replaced and its image retried, the batch complete and correct", "[crash]") {
  pipeline::test::TempFolder folder;
  const std::string marker = (folder.path() / "died-once").string();
  const auto chain = pipeline::parse_filter_chain("kill-once=" + marker);
  const auto batch = batch_with_marked_image();
  LogCapture log;

  const auto result = pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch);

  CHECK(std::filesystem::exists(marker));  // the first attempt did die
  REQUIRE(result.tasks.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].name << ": " << result.tasks[i].record.error);
    REQUIRE(result.tasks[i].record.ok());
    CHECK(result.tasks[i].output == pipeline::to_gray8(batch[i].image));
  }
  CHECK_THAT(log.text(), Catch::Contains("killed by signal 9 (SIGKILL)") && Catch::Contains("img-2") &&
                             Catch::Contains("retrying"));
  CHECK(no_children_left());
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
  const auto result =
      pipeline::ProcessPoolExecutor(2, pipeline::ProcessPoolOptions::self_worker()).run(chain, batch_with_marked_image());
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
    CHECK_THAT(task.record.error, Catch::Contains("broke the protocol") && Catch::Contains("bad magic") &&
                                      Catch::Contains("2 attempts"));
  }
  CHECK(no_children_left());
}
