#pragma once
// The facts about the machine that a measurement depends on, recorded with every report.

#include <string>

namespace pipeline {

struct MachineInfo {
  std::string hostname;
  std::string os;             // "Linux 6.1.0-... x86_64"
  std::string cpu_model;      // from /proc/cpuinfo; "unknown" when absent
  unsigned logical_cpus = 0;  // CPUs this process may run on (its affinity mask), not the machine's total
  std::string libvips_version;
  std::string compiler;
  // Which versions of the filters' hot loops run here, e.g. "hand-written AVX2 grayscale and AVX-512 VBMI lookup;
  // compiler-vectorised loops for AVX2". PIPELINE_PORTABLE_KERNELS=1 turns the hand-written ones off.
  std::string kernels;
};

[[nodiscard]] MachineInfo describe_machine();

}  // namespace pipeline
