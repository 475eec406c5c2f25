#!/usr/bin/env bash
# Sets everything up and runs the main job: the comparison of paradigms on the built-in synthetic dataset.
# Arguments are passed to image-pipeline, e.g. scripts/run.sh --workers 1 2 4 --input ~/photos
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/release"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
exec "$build/apps/image-pipeline" "$@"
