#include "pipeline/vips.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include <vips/vips8>

#include "vips_messages.hpp"

namespace pipeline {
namespace {

// One lock for both ways in, so a lazy start with the defaults can never overwrite the program's own settings
// applied at the same moment from another thread.
std::mutex start_mutex;
std::atomic<bool> started{false};

// Under start_mutex.
void start_locked(const VipsSettings& settings) {
  if (!started.load(std::memory_order_relaxed)) {
    detail::route_glib_logging();  // before libvips starts, so that what it says while starting goes through spdlog
    // VIPS_INIT succeeds at once when the program has started libvips itself.
    if (VIPS_INIT("pipeline") != 0) {
      const std::string message = vips_error_buffer();
      vips_error_clear();
      throw std::runtime_error("libvips failed to initialise: " + message);
    }
  }
  vips_concurrency_set(settings.concurrency);
  vips_cache_set_max(settings.cache_max_operations);
  started.store(true, std::memory_order_release);
}

}  // namespace

void initialize_vips(const VipsSettings& settings) {
  if (settings.concurrency < 1) throw std::invalid_argument("vips concurrency must be >= 1");
  if (settings.cache_max_operations < 0) throw std::invalid_argument("vips cache size must be >= 0");
  const std::lock_guard lock(start_mutex);
  start_locked(settings);
}

void ensure_vips_initialized() {
  if (started.load(std::memory_order_acquire)) return;  // every call after the first: one load
  const std::lock_guard lock(start_mutex);
  if (started.load(std::memory_order_relaxed)) return;
  if (vips_get_argv0() != nullptr) {
    // The program started libvips itself (VIPS_INIT), with settings of its own: keep them.
    started.store(true, std::memory_order_release);
    return;
  }
  start_locked(VipsSettings{});
}

VipsSettings current_vips_settings() {
  ensure_vips_initialized();
  return VipsSettings{vips_concurrency_get(), vips_cache_get_max()};
}

std::string libvips_version() { return vips_version_string(); }

}  // namespace pipeline
