#pragma once
// libvips set-up. libvips runs its own thread pool inside each operation and caches operations; for an
// honest comparison of parallel paradigms each task is single-threaded and the cache is off, unless asked.

#include <string>

namespace pipeline {

struct VipsSettings {
  int concurrency = 1;           // threads libvips may use inside one operation (vips_concurrency_set)
  int cache_max_operations = 0;  // operations libvips may cache (vips_cache_set_max); 0 = cache off
};

// Initialises libvips once per process (later calls only apply the settings). Throws std::runtime_error
// with libvips' message if it cannot start, or std::invalid_argument for negative settings. Optional: the
// library starts libvips itself on first use (ensure_vips_initialized); call it to choose other settings.
void initialize_vips(const VipsSettings& settings = {});

// Starts libvips with the default settings unless it is started already (by initialize_vips(), an earlier call,
// or the program's own VIPS_INIT, whose settings are kept). Thread-safe; after the first call, one atomic load.
// The library calls it before it uses libvips, so a program that never calls initialize_vips() works (libvips
// used uninitialised crashes inside GLib). Throws as initialize_vips() does.
void ensure_vips_initialized();

// The settings in force in this process, read back from libvips (started first if need be).
[[nodiscard]] VipsSettings current_vips_settings();

// "8.14.1".
[[nodiscard]] std::string libvips_version();

}  // namespace pipeline
