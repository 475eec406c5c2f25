#pragma once
// Private to the library: what libvips says while one call runs, attributed to that call alone.
//
// libvips keeps one error buffer for the whole process and its loaders also speak through GLib's log
// (g_warning: "VIPS-WARNING **: IHDR: CRC error"), from whichever of its threads is working. With several threads
// decoding at once, a reason read from the buffer can be another file's, and a warning left there by a file that
// decoded is pinned on the next one that fails. So a call runs with a shared lock, and nothing it reads from the
// buffer is trusted: if libvips said anything at all while it ran (the buffer is not empty, or GLib logged), it
// runs again alone, under the exclusive lock, with the buffer cleared first and GLib's messages collected, and
// what is said then is its own. A call that fails or warns is decoded twice; one that is silent, once.
//
// GLib's messages that no call is waiting for (libvips' start-up, say) go to spdlog's default logger, at the
// matching level, so that -q and -v apply to them and they never reach the terminal raw.

#include <functional>
#include <string>
#include <vector>

namespace pipeline::detail {

struct VipsOutcome {
  bool failed = false;              // the call threw vips::VError
  std::vector<std::string> errors;  // the error buffer's lines, in order, without repeats
  std::vector<std::string> logged;  // GLib's messages, likewise (those already in `errors` left out)

  [[nodiscard]] bool said_anything() const noexcept { return !errors.empty() || !logged.empty(); }
  // errors, else logged, "; "-joined: a failure's reason. Empty only if libvips said nothing.
  [[nodiscard]] std::string reason() const;
  // Everything said, "; "-joined.
  [[nodiscard]] std::string everything() const;
};

// Runs `call`, which uses libvips and may throw vips::VError (caught and reported as `failed`; any other exception
// passes through). `call` must be safe to run twice: it runs again, alone, when libvips spoke while it ran.
[[nodiscard]] VipsOutcome run_attributed(const std::function<void()>& call);

// Runs `call` alone with the error buffer cleared before and after: for calls whose failures are expected and
// whose messages are not wanted (probing a file's format).
void run_quietly(const std::function<void()>& call);

// Sends GLib's log (every domain without a handler of its own) through spdlog. Once per process; called by
// initialize_vips() and by the calls above.
void route_glib_logging();

}  // namespace pipeline::detail
