#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang in build/fuzz and runs each one for a bounded time, starting
# from its committed corpus and regressions; fails on the first crash, leak, timeout or broken property.
#   PIPELINE_FUZZ_SECONDS   seconds per target (default 60)
#   PIPELINE_FUZZ_TARGETS   which targets, space-separated (default: all of them)
# New inputs go to build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/<target>/ (README: "Fuzzing").
# Without clang or libFuzzer it says so and skips, except in CI (CI=true), where that is an error.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/fuzz"
seconds=${PIPELINE_FUZZ_SECONDS:-60}
targets=${PIPELINE_FUZZ_TARGETS:-wire filter_spec output_names worker_frames deflate}
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
  -DPIPELINE_WERROR=ON > /dev/null
cmake --build "$build" --target fuzzers -j"$(nproc)"

for target in $targets; do
  echo "== fuzz: $target for ${seconds} s"
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  # New inputs go to the first folder only: the committed ones stay as they are.
  inputs=("$corpus" "$root/tests/fuzz/corpus/$target")
  [ -d "$root/tests/fuzz/regressions/$target" ] && inputs+=("$root/tests/fuzz/regressions/$target")
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "${inputs[@]}"; then
    echo "fuzz: $target FAILED; the input is in $artifacts. Reproduce with $build/tests/fuzz/fuzz_$target <input>," \
      "fix, and commit the input under tests/fuzz/regressions/$target/ so ctest replays it." >&2
    exit 1
  fi
done
echo "== fuzz: no crash in ${seconds} s per target ($targets)"
