#!/usr/bin/env bash
# Sets everything up and runs the tests: a build with warnings as errors and its ctest run (unit tests and the
# package-consumer tests), then the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer, then the
# executor, process pool, cancellation and CLI tests (ctest label tsan) built with ThreadSanitizer, then the
# libFuzzer targets built with clang and run for PIPELINE_FUZZ_SECONDS (default 60) each (scripts/fuzz.sh). First of
# all, a file clang-format would change fails the run (scripts/format.sh --check).
# --no-sanitize skips the second pass, --no-tsan the third, --no-fuzz the fourth.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
sanitize=1
tsan=1
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    --no-tsan) tsan=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "usage: $0 [--no-sanitize] [--no-tsan] [--no-fuzz]" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh" --test

echo "== format: every C++ file as .clang-format has it"
"$root/scripts/format.sh" --check

echo "== build and test: -Wall -Wextra -Wpedantic -Werror"
# Debug information as line tables only (-g1), here and in the ASan build: backtraces and sanitizer reports keep
# their file:line, and a test file compiles in a quarter less time (chaos_test.cpp: 11.5 s with -g, 8.6 s with -g1).
# The TSan build keeps -g: its suppressions have not been checked against a -g1 build.
cmake -S "$root" -B "$root/build/test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPELINE_WERROR=ON -DPIPELINE_BUILD_BENCHMARKS=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
cmake --build "$root/build/test" -j"$jobs"
ctest --test-dir "$root/build/test" --output-on-failure -j"$jobs"

if [ "$sanitize" -eq 1 ]; then
  echo "== build and test: AddressSanitizer + UndefinedBehaviorSanitizer"
  # The package tests rebuild consumers without sanitizers, which cannot link a sanitized library: skipped here.
  cmake -S "$root" -B "$root/build/asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DPIPELINE_WERROR=ON \
    -DPIPELINE_SANITIZE=address,undefined -DPIPELINE_PACKAGE_TESTS=OFF
  cmake --build "$root/build/asan" -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build/asan" --output-on-failure -j"$jobs"
fi

if [ "$tsan" -eq 1 ]; then
  echo "== build and test: ThreadSanitizer (ctest -L tsan)"
  # -O1 -g, as TSan's documentation advises for a reasonable speed. Only what the labelled tests run is built;
  # without MPI, whose own threads (its progress and event libraries) have not been checked under TSan.
  cmake -S "$root" -B "$root/build/tsan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DPIPELINE_WERROR=ON \
    -DPIPELINE_SANITIZE=thread -DPIPELINE_PACKAGE_TESTS=OFF -DPIPELINE_BUILD_EXAMPLES=OFF -DPIPELINE_WITH_MPI=OFF
  cmake --build "$root/build/tsan" -j"$jobs" --target pipeline_tsan_tests
  # Reports go to files, one per process: a worker process that TSan stops (exit 66) is only a crash to its pool,
  # which retries its image, so a report there would not fail its test; any file here fails the pass instead.
  # halt_on_error stops a process at its first report; history_size=7 (the most) keeps the earlier access's stack,
  # without which no suppression can match (tests/tsan.supp says what it suppresses, and why).
  reports="$root/build/tsan/reports"
  rm -rf "$reports" && mkdir -p "$reports"
  tsan_status=0
  tsan_options="suppressions='$root/tests/tsan.supp':log_path='$reports/tsan'"
  TSAN_OPTIONS="$tsan_options:halt_on_error=1:history_size=7:second_deadlock_stack=1" \
    ctest --test-dir "$root/build/tsan" -L tsan --output-on-failure -j"$jobs" || tsan_status=$?
  if [ -n "$(ls -A "$reports")" ]; then
    for report in "$reports"/*; do echo "-- $report"; cat "$report"; done
    echo "ThreadSanitizer: $(ls "$reports" | wc -l) process(es) reported, above (files in $reports)" >&2
    exit 1
  fi
  [ "$tsan_status" -eq 0 ] || exit "$tsan_status"
fi

if [ "$fuzz" -eq 1 ]; then
  "$root/scripts/fuzz.sh"
fi
