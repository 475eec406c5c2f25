#include "kernels/kernel_isa.hpp"

#include <cstdlib>
#include <string_view>

#include "kernels/row_kernels.hpp"

namespace pipeline::kernels {
namespace {

bool portable_requested() {
  const char* value = std::getenv("PIPELINE_PORTABLE_KERNELS");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

}  // namespace

const KernelIsa& kernel_isa() {
  static const KernelIsa isa = [] {
    KernelIsa found;
    found.portable_forced = portable_requested();
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (!found.portable_forced) {
      found.avx2_hand_written = __builtin_cpu_supports("avx2") != 0;
      found.vbmi_lookup = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi");
    }
#endif
    return found;
  }();
  return isa;
}

std::string describe_kernel_isa() {
  const KernelIsa& isa = kernel_isa();
  std::string hand_written;
  if (isa.avx2_hand_written) hand_written = "AVX2 grayscale, sobel and sharpen";
  if (isa.vbmi_lookup) hand_written += std::string(hand_written.empty() ? "" : " and ") + "AVX-512 VBMI lookup";
  std::string line = hand_written.empty()
                         ? std::string(isa.portable_forced ? "portable hand-written kernels (PIPELINE_PORTABLE_KERNELS)"
                                                           : "portable hand-written kernels")
                         : "hand-written " + hand_written;
#if PIPELINE_KERNEL_CLONES
  __builtin_cpu_init();
  line += __builtin_cpu_supports("avx2") ? "; compiler-vectorised loops for AVX2"
                                         : "; compiler-vectorised loops for baseline x86-64";
#elif defined(__x86_64__)
  line += "; compiler-vectorised loops for baseline x86-64 (one version in this build)";
#else
  line += "; compiler-vectorised loops for this build's target";
#endif
  return line;
}

}  // namespace pipeline::kernels
