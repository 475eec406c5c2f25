#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang in build/fuzz and runs each one for a bounded time, starting
# from its committed corpus and regressions, side by side on the machine's cores; fails if any finds a crash, leak,
# timeout or broken property.
#   PIPELINE_FUZZ_SECONDS   seconds per target (default 60)
#   PIPELINE_FUZZ_TARGETS   which targets, space-separated (default: all of them)
# New inputs go to build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/<target>/ (README: "Fuzzing").
# Without clang or libFuzzer it says so and skips, except in CI (CI=true), where that is an error.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/fuzz"
seconds=${PIPELINE_FUZZ_SECONDS:-60}
targets=${PIPELINE_FUZZ_TARGETS:-wire filter_spec output_names worker_frames deflate}
jobs=$(nproc)
cc=${PIPELINE_FUZZ_CC:-clang-14}
cxx=${PIPELINE_FUZZ_CXX:-clang++-14}

# libFuzzer comes with clang's runtime package, not with clang itself: try to link an empty target.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe_dir/probe.cpp"
if ! command -v "$cxx" > /dev/null || ! "$cxx" -fsanitize=fuzzer "$probe_dir/probe.cpp" -o "$probe_dir/probe" 2> /dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "fuzz: $cxx with libFuzzer is missing, and CI must run the fuzzers (scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
  echo "fuzz: SKIPPED: $cxx with libFuzzer (libclang-rt-14-dev) is not installed; scripts/install-deps.sh installs it" >&2
  exit 0
fi

echo "== fuzz: build with $cxx (libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer)"
CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPELINE_BUILD_FUZZERS=ON -DPIPELINE_WITH_MPI=OFF \
  -DPIPELINE_WERROR=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" > /dev/null
cmake --build "$build" --target fuzzers -j"$(nproc)"

# The targets run side by side, one per core (each is single-threaded): the same seconds each, in less wall time.
# Each one's output goes to build/fuzz/logs/<target>.log, printed when it ends.
logs="$build/logs"
mkdir -p "$logs"
run_target() {
  local target=$1
  local corpus="$build/corpus/$target"
  local artifacts="$build/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  # New inputs go to the first folder only: the committed ones stay as they are.
  local inputs=("$corpus" "$root/tests/fuzz/corpus/$target")
  [ -d "$root/tests/fuzz/regressions/$target" ] && inputs+=("$root/tests/fuzz/regressions/$target")
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "${inputs[@]}" > "$logs/$target.log" 2>&1; then
    tail -n 60 "$logs/$target.log"
    echo "fuzz: $target FAILED; the input is in $artifacts. Reproduce with $build/tests/fuzz/fuzz_$target <input>," \
      "fix, and commit the input under tests/fuzz/regressions/$target/ so ctest replays it." >&2
    return 1
  fi
  echo "== fuzz: $target: no crash in ${seconds} s"
  grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$logs/$target.log" | sed "s/^/  $target /" || true
}
failed=0
running=0
for target in $targets; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  echo "== fuzz: $target for ${seconds} s"
  run_target "$target" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || exit 1
echo "== fuzz: no crash in ${seconds} s per target ($targets)"
