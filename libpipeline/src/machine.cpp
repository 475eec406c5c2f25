#include "pipeline/machine.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "kernels/kernel_isa.hpp"
#include "pipeline/vips.hpp"

namespace pipeline {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::thread::hardware_concurrency();
}

}  // namespace

MachineInfo describe_machine() {
  MachineInfo info;
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) info.hostname = host;
  utsname names{};
  if (::uname(&names) == 0) info.os = fmt::format("{} {} {}", names.sysname, names.release, names.machine);
  info.cpu_model = cpu_model();
  info.logical_cpus = usable_cpus();
  info.libvips_version = libvips_version();
#if defined(__clang__)
  info.compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  info.compiler = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  info.compiler = "unknown";
#endif
  info.kernels = kernels::describe_kernel_isa();
  return info;
}

}  // namespace pipeline
