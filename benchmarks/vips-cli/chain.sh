#!/usr/bin/env bash
# The default chain (grayscale, blur, sobel, sharpen, brightness=1.2) with libvips' own command-line tools, one
# program per step and intermediates in libvips' native .v format: the baseline `image-pipeline run` is compared
# with (benchmarks/compare-gnu-parallel.sh drives it with GNU parallel). The arithmetic is the closest the vips
# operations give to the filters' spec (integer convolutions, sobel as vips computes it), not bit-identical.
# Usage: chain.sh INPUT OUTPUT.png [png compression]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
input=$1
output=$2
compression=${3:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vips recomb "$input" "$work/gray.v" "$here/grayscale.mat"
vips cast "$work/gray.v" "$work/gray8.v" uchar
vips conv "$work/gray8.v" "$work/blur.v" "$here/blur.mat" --precision integer
vips sobel "$work/blur.v" "$work/sobel.v"
vips conv "$work/sobel.v" "$work/sharpen.v" "$here/sharpen.mat" --precision integer
vips linear "$work/sharpen.v" "$work/out.v" 1.2 0 --uchar
vips pngsave "$work/out.v" "$output.tmp.png" --compression "$compression"
mv "$output.tmp.png" "$output"
