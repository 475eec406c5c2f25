#!/usr/bin/env bash
# End to end, folder to folder: `image-pipeline run` against libvips' command-line tools driven by GNU parallel,
# over the same photos and the same chain, PNG out. Repeats are interleaved (this machine is shared and noisy) and
# each figure is the median, in ms per megapixel; the ratios are computed within this one run.
#
# Usage: benchmarks/compare-gnu-parallel.sh [--photos DIR] [--count 40] [--size 1920x1080] [--repeats 3] [--jobs 2]
#                                           [--build DIR | --cli PATH]
# The dataset: --count JPEGs of --size, made by resizing the photos of DIR in turn (default: ../shared/corpus/public
# beside the project, else pass --photos). --build: the CMake build folder to build the CLI in (default build/bench),
# e.g. to leave another build folder alone; --cli: an image-pipeline already built (its worker program beside it),
# nothing built, e.g. a copy of the binaries before a change. Then, unless --cli: run-bench on the same photos (run
# against a decode-only pass on as many workers).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
photos="$root/../shared/corpus/public"
count=40
size=1920x1080
repeats=3
jobs=2
build="$root/build/bench"
cli=
run_bench=
while [ $# -gt 0 ]; do
  case $1 in
    --photos) photos=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$(realpath -m "$2"); shift 2 ;;
    --cli) cli=$(realpath "$2"); shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ -d "$photos" ] || { echo "no photos folder '$photos': pass --photos DIR" >&2; exit 2; }

"$root/scripts/install-deps.sh" --bench
if [ -z "$cli" ]; then
  # A folder already configured (e.g. a developer's --build DIR) keeps its own settings; it must be a Release build.
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPIPELINE_BUILD_BENCHMARKS=ON -DPIPELINE_BUILD_TESTS=OFF >/dev/null
  fi
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" || { echo "$build is not a Release build" >&2; exit 2; }
  cmake --build "$build" -j"$(nproc)" --target image-pipeline image-pipeline-worker run-bench >/dev/null
  cli="$build/apps/image-pipeline"
  run_bench="$build/benchmarks/run-bench"
fi
[ -x "$cli" ] || { echo "no image-pipeline program at '$cli'" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
width=${size%x*}
height=${size#*x}
mapfile -t sources < <(find "$photos" -maxdepth 1 -type f | sort)
[ ${#sources[@]} -gt 0 ] || { echo "no files in '$photos'" >&2; exit 2; }
for ((i = 0; i < count; i++)); do
  source=${sources[$((i % ${#sources[@]}))]}
  vips thumbnail "$source" "$work/resized.v" "$width" --height "$height" --size force
  vips colourspace "$work/resized.v" "$work/in/photo-$(printf %03d "$i").jpg[Q=90]" srgb
done
megapixels=$(awk -v n="$count" -v w="$width" -v h="$height" 'BEGIN { printf "%.3f", n * w * h / 1e6 }')
echo "dataset: $count JPEG photos of ${width}x${height} ($megapixels MP), PNG out (image-pipeline at its default level, the vips chain at libvips' default 6), $jobs job(s)/worker(s)"

declare -A commands=(
  [gnu-parallel+vips]="parallel --will-cite -j$jobs $root/benchmarks/vips-cli/chain.sh {} $work/out/{/.}.png ::: $work/in/*.jpg"
  [run-sequential]="$cli run $work/in $work/out --executor sequential -q"
  [run-threads]="$cli run $work/in $work/out --executor threads --workers $jobs -q"
  [run-processes]="$cli run $work/in $work/out --executor processes --workers $jobs -q"
)
order=(gnu-parallel+vips run-sequential run-threads run-processes)
declare -A samples
for ((r = 0; r < repeats; r++)); do
  for name in "${order[@]}"; do
    rm -rf "$work/out" && mkdir -p "$work/out"
    start=$(date +%s.%N)
    eval "${commands[$name]}" >/dev/null
    end=$(date +%s.%N)
    produced=$(find "$work/out" -name '*.png' | wc -l)
    [ "$produced" -eq "$count" ] || { echo "$name wrote $produced of $count outputs" >&2; exit 1; }
    samples[$name]+="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }') "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
baseline=$(echo "${samples[gnu-parallel+vips]}" | median)
printf '\n%-20s %10s %10s %12s %s\n' "command" "median s" "ms/MP" "vs parallel" "runs (s)"
for name in "${order[@]}"; do
  m=$(echo "${samples[$name]}" | median)
  awk -v n="$name" -v m="$m" -v mp="$megapixels" -v b="$baseline" -v runs="${samples[$name]}" \
    'BEGIN { printf "%-20s %10.3f %10.1f %11.2fx %s\n", n, m, 1000 * m / mp, b / m, runs }'
done

# The same photos once more, against the floor of any run: decoding them alone on as many workers (run-bench, in
# the library, without the CLI's process start). Not with --cli: run-bench is built with the library it links.
if [ -n "$run_bench" ]; then
  echo
  "$run_bench" "$work/in" --workers "$jobs" --repeats "$repeats"
fi
