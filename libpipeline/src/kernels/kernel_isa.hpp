#pragma once
// Which versions of the hot loops this process runs, decided once per process.
//
// Two mechanisms pick them:
// - the compiler-vectorised loops (PIPELINE_KERNEL in row_kernels.hpp) are cloned for AVX2 and the baseline and
//   picked by the CPU through ifunc resolvers, before main(); nothing can override that choice;
// - the hand-written AVX2 grayscale, sobel and sharpen and the AVX-512 VBMI lookup are picked here, at run time, and
// the environment
//   variable PIPELINE_PORTABLE_KERNELS=1 turns them off. It exists so their portable fallbacks, which a modern x86
//   machine would otherwise never run, are tested (tests/CMakeLists.txt) and can be compared.

#include <string>

namespace pipeline::kernels {

struct KernelIsa {
  bool avx2_hand_written = false;  // hand-written 8-bit RGB -> grey, sobel and sharpen rows
  bool vbmi_lookup = false;        // hand-written byte lookup (brightness)
  bool portable_forced = false;    // PIPELINE_PORTABLE_KERNELS set
};

[[nodiscard]] const KernelIsa& kernel_isa();

// One line for reports: "hand-written AVX2 grayscale and AVX-512 VBMI lookup; compiler-vectorised loops for AVX2".
[[nodiscard]] std::string describe_kernel_isa();

}  // namespace pipeline::kernels
