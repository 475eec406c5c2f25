#pragma once
// Ctrl-C and SIGTERM for both commands: the first asks the run in progress to stop (RunOptions::stop), so the
// images being worked on finish and are written whole and nothing else starts; a second ends the program at once,
// by that signal. Worker processes ignore SIGINT (worker.cpp): the pool stops them. A program started with SIGINT
// ignored (a shell script's background job) keeps ignoring it; SIGTERM is always handled.
#include <atomic>
#include <stop_token>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace image_pipeline {

class StopOnSignal {
 public:
  // From here on SIGINT and SIGTERM are handled; `on_stop` says what the command does at the first (logged).
  explicit StopOnSignal(std::string on_stop = "finishing the images in progress, starting no more");
  ~StopOnSignal();  // and from here no longer
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }
  // The signal that asked for the stop; 0 while none has.
  [[nodiscard]] int signal() const noexcept { return signal_.load(); }
  // The exit status a program stopped by that signal reports: 128 + the signal's number, as a shell would show.
  [[nodiscard]] int exit_status() const noexcept { return 128 + signal(); }

 private:
  void wait_for_signal();

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::stop_source stop_;
  std::atomic<int> signal_{0};
  std::string on_stop_;
  std::thread thread_;
};

}  // namespace image_pipeline
