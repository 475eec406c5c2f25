#!/usr/bin/env bash
# Installs what building and running image-pipeline needs, from Debian 12's own packages (scripts/run.sh).
# Does nothing when everything is already there; uses sudo when not run as root.
# --test: also what only checking it needs: the tests, fuzzers, format check and .deb (scripts/test.sh).
# --bench: also what the benchmarks compare against (GNU parallel, libvips' command-line tools).
set -euo pipefail

packages=(
  g++ cmake make pkgconf
  libvips-dev
  libboost1.81-dev   # not the unversioned libboost-dev (1.74, no Boost.Process v2, conflicts with 1.81)
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev catch2
  libcurl4-openssl-dev  # image-pipeline fetch (pipeline/fetch.hpp): libcurl 7.88
  libpng-dev         # the tests read every PNG we write back with libpng itself, CRCs checked
  chromium           # headless, to check the HTML report as a browser parses and draws it (tests skip without it)
  clang-14 libclang-rt-14-dev  # the fuzz targets (scripts/fuzz.sh): libFuzzer is in clang's runtime package
  clang-format       # Debian 12's is 14: the version .clang-format is checked with (scripts/format.sh)
  dpkg-dev file      # cpack -G DEB: dpkg-shlibdeps declares the .deb's library dependencies, file finds the ELFs
  libopenmpi-dev openmpi-bin  # the mpi executor (pipeline::mpi) and mpirun for its tests
  libjpeg-turbo-progs webp libtiff-tools  # the reference decoders the tests read JPEG, WebP and TIFF outputs with
  zsh fish groff-base  # the CLI's tests check its zsh and fish completions and its man page with them
)
# Those of them that only checking the project needs: left out unless --test.
test_only=" catch2 libpng-dev chromium clang-14 libclang-rt-14-dev clang-format dpkg-dev file "
test_only+=" libjpeg-turbo-progs webp libtiff-tools zsh fish groff-base "
test=0
for arg in "$@"; do
  case "$arg" in
    --test) test=1 ;;
    --bench) packages+=(parallel libvips-tools) ;;
    *) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
  esac
done
if [ "$test" -eq 0 ]; then
  needed=()
  for package in "${packages[@]}"; do
    [[ "$test_only" == *" $package "* ]] || needed+=("$package")
  done
  packages=("${needed[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
