#!/usr/bin/env bash
# The default chain (grayscale, blur, sobel, sharpen, brightness=1.2) with libvips' own command-line tools: the
# baseline `image-pipeline run` is compared with (benchmarks/compare-gnu-parallel.sh drives it with GNU parallel).
# The arithmetic is the closest the vips operations give to the filters' spec (integer convolutions, sobel as vips
# computes it), not bit-identical.
#
# libvips' CLI at its best: each `vips` program costs ~0.12 s to start here (the dynamic loader binding libvips'
# ~100 libraries and modules), more than the work it does on a 2 MP image, so the chain uses as few as the
# operations allow, 4 (it used 7: recomb, cast, conv, sobel, conv, linear, pngsave):
#   1. recomb to grey, saved as an uncompressed PNG: the saver's cast to 8 bits is `vips cast ... uchar` (checked
#      pixel-identical), without a program of its own;
#   2. conv with the blur mask; 3. sobel (.v intermediates, libvips' native format, read back mapped);
#   4. sharpen and brightness as one integer convolution (sharpen-brightness.mat: the sharpen mask times 6, scale 5,
#      i.e. x1.2 rounded to nearest; clamping once equals clamping twice since 1.2 > 0), written straight as the
#      output PNG: `conv` then `linear 1.2 0 --uchar` (which truncates) then `pngsave` before.
# Usage: chain.sh INPUT OUTPUT.png [png compression]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
input=$1
output=$2
compression=${3:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vips recomb "$input" "$work/gray.png[compression=0]" "$here/grayscale.mat"
vips conv "$work/gray.png" "$work/blur.v" "$here/blur.mat" --precision integer
vips sobel "$work/blur.v" "$work/sobel.v"
vips conv "$work/sobel.v" "$output.tmp.png[compression=$compression]" "$here/sharpen-brightness.mat" --precision integer
mv "$output.tmp.png" "$output"
