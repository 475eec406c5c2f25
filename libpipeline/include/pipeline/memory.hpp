#pragma once
// Allocation policy for programs that process many large images.
//
// glibc serves every block above 128 KiB-32 MiB (adaptive) with a fresh mmap and returns it on free, so each new
// image buffer costs a page fault per 4 KiB page on first touch: measured here, that made the filter chain 3.5x
// slower (7 ms/MP instead of 2 ms/MP) than the same kernels on reused memory. This keeps freed image-sized blocks
// in the heap for reuse instead.

namespace pipeline {

// Process-wide (mallopt): call once at the top of main, before threads start. Returns false where it has no
// effect (not glibc). The CLI, the worker program and the benchmarks call it; a library user may.
bool tune_allocator_for_images() noexcept;

}  // namespace pipeline
