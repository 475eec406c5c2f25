#pragma once
// What every fuzz target shares: its entry point's signature and a check that stops the run on a broken property.
// A failed check aborts, so libFuzzer keeps the input as a crash and the replay program (replay_main.cpp) fails.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// A macro, so the message names the file and line of the property that broke.
#define FUZZ_CHECK(condition, what)                                                                    \
  do {                                                                                                 \
    if (!(condition)) {                                                                                \
      std::fprintf(stderr, "%s:%d: property broken: %s (%s)\n", __FILE__, __LINE__, what, #condition); \
      std::abort();                                                                                    \
    }                                                                                                  \
  } while (false)

namespace pipeline::fuzz {

// An exception the code under test must never throw: report it and abort, like a crash.
[[noreturn]] inline void unexpected_exception(const char* where, const char* what) {
  std::fprintf(stderr, "%s: unexpected exception: %s\n", where, what);
  std::abort();
}

}  // namespace pipeline::fuzz
