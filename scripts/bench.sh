#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them all: medians of interleaved repeats, ratios side by side.
# Arguments go to pipeline-bench, e.g. scripts/bench.sh --repeats 9 --workers 1 2 4
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/bench"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPIPELINE_BUILD_BENCHMARKS=ON -DPIPELINE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
exec "$build/benchmarks/pipeline-bench" "$@"
