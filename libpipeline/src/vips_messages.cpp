#include "vips_messages.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include <spdlog/spdlog.h>
#include <vips/vips8>

namespace pipeline::detail {
namespace {

struct Attribution {
  std::shared_mutex calls;               // shared: calls running side by side; exclusive: one attributed rerun
  std::atomic<int> in_flight{0};         // calls running under the shared lock
  std::atomic<std::uint64_t> logged{0};  // GLib messages held back while calls were in flight
  std::mutex capture_mutex;
  bool capturing = false;  // an attributed rerun is collecting GLib's messages
  std::vector<std::string> captured;
};

Attribution& attribution() {
  static Attribution* state = new Attribution;  // never destroyed: GLib may log while the process exits
  return *state;
}

spdlog::level::level_enum spdlog_level(GLogLevelFlags level) {
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0) return spdlog::level::err;
  if ((level & G_LOG_LEVEL_WARNING) != 0) return spdlog::level::warn;
  if ((level & G_LOG_LEVEL_MESSAGE) != 0) return spdlog::level::info;
  // GLib's own handler hides info and debug unless G_MESSAGES_DEBUG asks (libvips logs every module it loads so):
  // -v shows them.
  return spdlog::level::debug;
}

void on_glib_message(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
  Attribution& state = attribution();
  {
    const std::lock_guard lock(state.capture_mutex);
    if (state.capturing) {
      state.captured.emplace_back(message != nullptr ? message : "");
      return;
    }
  }
  // A call in flight runs again alone and hears this then, if it was its own; logging it now would say it twice,
  // without the file's name.
  if (state.in_flight.load() > 0) {
    state.logged.fetch_add(1);
    return;
  }
  spdlog::log(spdlog_level(level), "{}: {}", domain != nullptr ? domain : "GLib", message != nullptr ? message : "");
}

void add_line(std::vector<std::string>& lines, std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.empty() || std::find(lines.begin(), lines.end(), line) != lines.end()) return;
  lines.emplace_back(line);
}

std::vector<std::string> buffer_lines() {
  std::vector<std::string> lines;
  std::string_view buffer = vips_error_buffer();
  while (!buffer.empty()) {
    const std::size_t end = buffer.find('\n');
    add_line(lines, buffer.substr(0, end));
    if (end == std::string_view::npos) break;
    buffer.remove_prefix(end + 1);
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "; ") + line;
  return text;
}

bool run_catching(const std::function<void()>& call) {
  try {
    call();
    return true;
  } catch (const vips::VError&) {
    return false;
  }
}

}  // namespace

std::string VipsOutcome::reason() const { return joined(errors.empty() ? logged : errors); }

std::string VipsOutcome::everything() const {
  std::vector<std::string> all = errors;
  all.insert(all.end(), logged.begin(), logged.end());
  return joined(all);
}

void route_glib_logging() {
  static std::once_flag once;
  std::call_once(once, [] { g_log_set_default_handler(on_glib_message, nullptr); });
}

VipsOutcome run_attributed(const std::function<void()>& call) {
  route_glib_logging();
  Attribution& state = attribution();
  {
    const std::shared_lock lock(state.calls);
    const std::uint64_t logged_before = state.logged.load();
    state.in_flight.fetch_add(1);
    struct Leave {
      std::atomic<int>& in_flight;
      ~Leave() { in_flight.fetch_sub(1); }
    } leave{state.in_flight};
    const bool succeeded = run_catching(call);
    // The buffer is only ever cleared under the exclusive lock, so an empty one means nobody said anything.
    if (succeeded && *vips_error_buffer() == '\0' && state.logged.load() == logged_before) return {};
  }
  const std::unique_lock lock(state.calls);
  vips_error_clear();
  {
    const std::lock_guard capture(state.capture_mutex);
    state.capturing = true;
    state.captured.clear();
  }
  VipsOutcome outcome;
  try {
    outcome.failed = !run_catching(call);
  } catch (...) {
    const std::lock_guard capture(state.capture_mutex);
    state.capturing = false;
    vips_error_clear();
    throw;
  }
  outcome.errors = buffer_lines();
  vips_error_clear();
  std::vector<std::string> captured;
  {
    const std::lock_guard capture(state.capture_mutex);
    state.capturing = false;
    captured.swap(state.captured);
  }
  // libjpeg's warnings reach GLib as well as the buffer (libvips logs the buffer at the end of a read that
  // warned): each is said once.
  std::vector<std::string> logged;
  for (const auto& message : captured) add_line(logged, message);
  for (auto& message : logged) {
    if (std::find(outcome.errors.begin(), outcome.errors.end(), message) == outcome.errors.end()) {
      outcome.logged.push_back(std::move(message));
    }
  }
  return outcome;
}

void run_quietly(const std::function<void()>& call) {
  route_glib_logging();
  Attribution& state = attribution();
  const std::unique_lock lock(state.calls);
  {
    const std::lock_guard capture(state.capture_mutex);
    state.capturing = true;
  }
  struct Restore {
    Attribution& state;
    ~Restore() {
      vips_error_clear();
      const std::lock_guard capture(state.capture_mutex);
      state.capturing = false;
      state.captured.clear();
    }
  } restore{state};
  vips_error_clear();
  call();
}

}  // namespace pipeline::detail
