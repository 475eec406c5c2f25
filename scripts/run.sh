#!/usr/bin/env bash
# Sets everything up and runs the main job: the comparison of paradigms on the built-in synthetic dataset.
# Arguments are passed to image-pipeline, e.g. scripts/run.sh --workers 1 2 4 --input ~/photos
# Installs and builds only what running needs: the CLI, its worker, completions and man page, not the tests, examples or benchmarks
# (scripts/test.sh builds those, with what only they need).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/release"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DPIPELINE_BUILD_TESTS=OFF -DPIPELINE_BUILD_EXAMPLES=OFF -DPIPELINE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target image-pipeline image-pipeline-worker image-pipeline-docs >/dev/null
exec "$build/apps/image-pipeline" "$@"
