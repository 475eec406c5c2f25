#include "terminal/stop_on_signal.hpp"

#include <signal.h>

#include <csignal>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace image_pipeline {

namespace {

bool ignored_from_the_start(int number) {
  struct sigaction action {};
  return ::sigaction(number, nullptr, &action) == 0 && action.sa_handler == SIG_IGN;
}

}  // namespace

StopOnSignal::StopOnSignal(std::string on_stop) : signals_(io_), on_stop_(std::move(on_stop)) {
  // A background job of a non-interactive shell (`image-pipeline ... &` in a script) starts with SIGINT ignored:
  // the terminal's Ctrl-C is not meant for it. That stays so, as in the shell's own utilities; SIGTERM always works.
  std::vector<int> handled{SIGTERM};
  if (!ignored_from_the_start(SIGINT)) handled.push_back(SIGINT);
  for (const int number : handled) signals_.add(number);
  // Boost 1.81's signal_set installs its handler without SA_RESTART: a signal we now survive would make a blocking
  // call elsewhere (a write to the terminal, say) fail with EINTR. Restart them instead.
  for (const int number : handled) {
    struct sigaction action {};
    if (::sigaction(number, nullptr, &action) == 0) {
      action.sa_flags |= SA_RESTART;
      (void)::sigaction(number, &action, nullptr);
    }
  }
  wait_for_signal();
  thread_ = std::thread([this] { io_.run(); });
}

StopOnSignal::~StopOnSignal() {
  io_.stop();
  thread_.join();
  boost::system::error_code ignored;
  signals_.clear(ignored);  // the default actions again
}

void StopOnSignal::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& error, int number) {
    if (error) return;  // cancelled: the program is ending
    if (signal_.load() != 0) {
      // The second: the user wants out now. Die by the signal, as if we had never handled it; an output being
      // written may leave its temporary file (never a partial output, write_png_atomic renames whole files).
      boost::system::error_code ignored;
      signals_.clear(ignored);
      std::signal(number, SIG_DFL);
      std::raise(number);
      return;
    }
    signal_.store(number);
    spdlog::warn("{}: {} (press Ctrl-C again to quit at once)", number == SIGINT ? "interrupted" : "terminated",
                 on_stop_);
    stop_.request_stop();
    wait_for_signal();
  });
}

}  // namespace image_pipeline
