#pragma once
// Allocation policy for programs that process many large images.
//
// glibc serves every block above 128 KiB-32 MiB (adaptive) with a fresh mmap and returns it on free, so each new
// image buffer costs a page fault per 4 KiB page on first touch, which costs the filter chain more than its
// kernels do on reused memory (benchmarks/README.md has the figures). This keeps freed image-sized blocks in the
// heap for reuse instead.

namespace pipeline {

// Process-wide (mallopt): call once at the top of main, before threads start. Returns false where it has no
// effect (not glibc). The CLI, the worker program and the benchmarks call it; a library user may.
bool tune_allocator_for_images() noexcept;

}  // namespace pipeline
