#include "pipeline/memory_budget.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>

namespace pipeline {
namespace {

// A control group limit file's value in bytes; none when absent, unreadable or unlimited ("max", or v1's
// page-rounded INT64_MAX).
std::optional<std::uint64_t> read_limit(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!(file >> text) || text == "max") return std::nullopt;
  try {
    const std::uint64_t bytes = std::stoull(text);
    if (bytes >= (std::uint64_t{1} << 62)) return std::nullopt;
    return bytes;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Where a control group's files are: under the mount's root when the process has its own cgroup namespace (the
// usual case in a container), else under the path /proc/self/cgroup names.
std::optional<std::uint64_t> cgroup_limit() {
  std::optional<std::uint64_t> lowest;
  const auto consider = [&lowest](const std::string& path) {
    if (const auto limit = read_limit(path)) lowest = lowest ? std::min(*lowest, *limit) : *limit;
  };
  consider("/sys/fs/cgroup/memory.max");
  consider("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  std::ifstream groups("/proc/self/cgroup");
  for (std::string line; std::getline(groups, line);) {
    // "0::/path" (v2) or "4:memory:/path" (v1)
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string group = line.substr(second + 1);
    if (group.find("..") != std::string::npos) continue;
    if (controllers.empty()) consider("/sys/fs/cgroup" + group + "/memory.max");
    if (controllers == "memory") consider("/sys/fs/cgroup/memory" + group + "/memory.limit_in_bytes");
  }
  return lowest;
}

}  // namespace

std::uint64_t estimate_task_memory(const ImageHeader& header) noexcept {
  const std::uint64_t decoded = header.decoded_bytes() * (header.decoded_twice ? 2 : 1);
  return decoded + 2 * header.pixels();
}

std::uint64_t usable_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  std::uint64_t physical = pages > 0 && page_size > 0
                               ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
                               : std::uint64_t{0};
  if (const auto limit = cgroup_limit()) physical = physical == 0 ? *limit : std::min(physical, *limit);
  return physical;
}

std::uint64_t default_memory_budget() { return usable_memory_bytes() / 2; }

}  // namespace pipeline
