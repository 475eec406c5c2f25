#!/usr/bin/env bash
# deb_test.sh CPACK CMAKE BUILD SCRATCH PREFIX BINDIR LIBEXECDIR VERSION "DIR...": builds the .deb of BUILD with
# `cpack -G DEB`, checks its control fields and that it holds every file `cmake --install` installs, unpacks it
# into SCRATCH/root (dpkg-deb -x, no root needed) and runs the CLI from there: a comparison on the process pool,
# which must start the unpacked worker, then `run IN OUT`, with the DIRs out of reach (find-package-test/without.sh):
# the CLI built here knows the build tree's worker as a last resort, which must not stand in. The consumer is built against SCRATCH/root by its own
# ctest test (tests/package/CMakeLists.txt).
set -euo pipefail
cpack=$1 cmake=$2 build=$3 scratch=$4 prefix=$5 bindir=$6 libexecdir=$7 version=$8 unreachable=$9
without="$(dirname "${BASH_SOURCE[0]}")/find-package-test/without.sh"
fail() { echo "deb_test: FAILED: $*" >&2; exit 1; }

rm -rf "$scratch" && mkdir -p "$scratch"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/cpack" || fail "cpack -G DEB"
debs=("$scratch"/cpack/image-pipeline_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one image-pipeline_*.deb, got: ${debs[*]}"
deb=${debs[0]}
echo "== $deb"
dpkg-deb --info "$deb"

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = image-pipeline ] || fail "Package is '$(field Package)'"
case "$(field Version)" in "$version" | "$version"-*) ;; *) fail "Version '$(field Version)' is not $version" ;; esac
for name in Maintainer Section Description; do [ -n "$(field "$name")" ] || fail "no $name"; done
depends=$(field Depends)
[ -n "$depends" ] || fail "no Depends (did dpkg-shlibdeps run?)"
# dpkg-shlibdeps found the libraries the programs load: libvips' package must be among them.
grep -q 'libvips42' <<<"$depends" || fail "Depends lacks libvips42: $depends"
# Every package named, alternatives included, must be one dpkg knows (a typo would make the .deb uninstallable).
for package in $(printf '%s,%s' "$depends" "$(field Recommends)" | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//' | xargs -n1); do
  dpkg-query --show "$package" >/dev/null 2>&1 || fail "Depends/Recommends names '$package', which dpkg does not know"
done

# Every file an install of this build stages must be in the package, under its prefix.
"$cmake" --install "$build" --prefix "$scratch/staging" >/dev/null || fail "cmake --install"
dpkg-deb -x "$deb" "$scratch/root"
root_prefix="$scratch/root$prefix"
files() { (cd "$1" && find . ! -type d | sort); }
missing=$(comm -23 <(files "$scratch/staging") <(files "$root_prefix"))
[ -z "$missing" ] || fail "installed but not in the .deb (under $prefix):"$'\n'"$missing"
echo "the .deb holds all $(files "$scratch/staging" | wc -l) installed files"

# The unpacked CLI: the process pool must start the unpacked worker, found by the CLI itself.
cli="$root_prefix/$bindir/image-pipeline"
worker="$root_prefix/$libexecdir/pipeline/image-pipeline-worker"
# The programs (stripped) must not name this build tree: a user's machine has none, and a fallback into it would hide
# a missing worker behind a stale one.
leaks=$(grep -lF -- "$build" "$cli" "$worker" || true)
[ -z "$leaks" ] || fail "programs of the .deb name the build tree $build: $leaks"
unset PIPELINE_WORKER
sh "$without" "$unreachable" "$cli" -v -n 2 --size 32x24 --workers 2 --executors sequential,processes --repeats 1 --warmup 0 \
  --output "$scratch/in" >"$scratch/compare.log" 2>&1 || { cat "$scratch/compare.log"; fail "the comparison"; }
cat "$scratch/compare.log"
grep -qF "worker(s) of $worker" "$scratch/compare.log" || fail "the process pool did not run $worker"
sh "$without" "$unreachable" "$cli" run "$scratch/in" "$scratch/out" --executor processes --workers 2 || fail "run IN OUT"
[ "$(ls "$scratch/out" | wc -l)" -eq 2 ] || fail "run wrote $(ls "$scratch/out" | wc -l) images, not 2"
echo "deb_test: ok"
