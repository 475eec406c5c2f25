#!/usr/bin/env bash
# Runs every benchmark: pipeline-bench (Release; in memory: filters, executors and transports, overheads, scaling),
# then benchmarks/compare-gnu-parallel.sh (folder to folder against libvips' CLI under GNU parallel) when photos
# are at hand. Each measures its cases interleaved and prints medians and ratios (benchmarks/README.md).
# Arguments go to pipeline-bench, e.g. scripts/bench.sh --repeats 9 --workers 1 2 4
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/bench"

"$root/scripts/install-deps.sh" --bench
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPIPELINE_BUILD_BENCHMARKS=ON -DPIPELINE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
"$build/benchmarks/pipeline-bench" "$@"

photos=${PIPELINE_BENCH_PHOTOS:-$root/../shared/corpus/public}
if [ -d "$photos" ]; then
  echo
  "$root/benchmarks/compare-gnu-parallel.sh" --photos "$photos"
else
  echo "skipping the GNU parallel comparison: no photos in '$photos' (set PIPELINE_BENCH_PHOTOS=DIR)" >&2
fi
