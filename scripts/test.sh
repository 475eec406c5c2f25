#!/usr/bin/env bash
# Sets everything up and runs the tests: a build with warnings as errors and its ctest run (unit tests and the
# package-consumer tests), then the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer, then the
# libFuzzer targets built with clang and run for PIPELINE_FUZZ_SECONDS (default 60) each (scripts/fuzz.sh).
# --no-sanitize skips the second pass, --no-fuzz the third.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
sanitize=1
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "usage: $0 [--no-sanitize] [--no-fuzz]" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh"

echo "== build and test: -Wall -Wextra -Wpedantic -Werror"
cmake -S "$root" -B "$root/build/test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPELINE_WERROR=ON -DPIPELINE_BUILD_BENCHMARKS=ON
cmake --build "$root/build/test" -j"$jobs"
ctest --test-dir "$root/build/test" --output-on-failure -j"$jobs"

if [ "$sanitize" -eq 1 ]; then
  echo "== build and test: AddressSanitizer + UndefinedBehaviorSanitizer"
  # The package tests rebuild consumers without sanitizers, which cannot link a sanitized library: skipped here.
  cmake -S "$root" -B "$root/build/asan" -DCMAKE_BUILD_TYPE=Debug -DPIPELINE_WERROR=ON \
    -DPIPELINE_SANITIZE=address,undefined -DPIPELINE_PACKAGE_TESTS=OFF
  cmake --build "$root/build/asan" -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build/asan" --output-on-failure -j"$jobs"
fi

if [ "$fuzz" -eq 1 ]; then
  "$root/scripts/fuzz.sh"
fi
