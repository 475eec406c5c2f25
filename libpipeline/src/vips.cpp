#include "pipeline/vips.hpp"

#include <mutex>
#include <stdexcept>

#include <vips/vips8>

#include "vips_messages.hpp"

namespace pipeline {

void initialize_vips(const VipsSettings& settings) {
  if (settings.concurrency < 1) throw std::invalid_argument("vips concurrency must be >= 1");
  if (settings.cache_max_operations < 0) throw std::invalid_argument("vips cache size must be >= 0");
  detail::route_glib_logging();  // before libvips starts, so that what it says while starting goes through spdlog
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("pipeline") != 0) {
      const std::string message = vips_error_buffer();
      vips_error_clear();
      throw std::runtime_error("libvips failed to initialise: " + message);
    }
  });
  vips_concurrency_set(settings.concurrency);
  vips_cache_set_max(settings.cache_max_operations);
}

VipsSettings current_vips_settings() {
  return VipsSettings{vips_concurrency_get(), vips_cache_get_max()};
}

std::string libvips_version() { return vips_version_string(); }

}  // namespace pipeline
