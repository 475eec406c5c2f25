#!/usr/bin/env bash
# The CLI under mpirun, as a user runs it: cli_mpi_test.sh IMAGE_PIPELINE MPIRUN [MPIRUN ARGS...] (3 ranks).
set -euo pipefail
cli=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

# The comparison: all four paradigms in one table, every one identical to sequential.
"$@" "$cli" -e sequential,threads,processes,mpi -w 2 -n 8 --size 320x240 -r 1 --warmup 0 --json "$work/report.json" \
  >"$work/compare.out" 2>"$work/compare.err" || { cat "$work/compare.out" "$work/compare.err"; fail "comparison exit $?"; }
grep -q '^mpi .*| yes$' "$work/compare.out" || { cat "$work/compare.out"; fail "no identical mpi row"; }
grep -q 'All runs produced outputs identical' "$work/compare.out" || fail "outputs not identical"
grep -q '"executor": "mpi"' "$work/report.json" || fail "no mpi run in the JSON report"
# The ranks share this host: they map rank 0's shared image memory and take every image in place.
grep -q 'mpi pixels in shared memory, in place' "$work/compare.out" || { cat "$work/compare.out"; fail "mpi not in place"; }

# run: every output written by the ranks, a broken input named, exit 1 for it.
mkdir -p "$work/in"
"$@" "$cli" -e sequential -w 1 -n 6 --size 200x150 -r 1 --warmup 0 -o "$work/in" >/dev/null 2>&1 \
  || fail "making inputs"
printf 'not an image at all' >"$work/in/broken.png"
status=0
"$@" "$cli" run "$work/in" "$work/out" --executor mpi >"$work/run.out" 2>"$work/run.err" || status=$?
cat "$work/run.out"
[ "$status" -eq 1 ] || { cat "$work/run.err"; fail "run exit $status, expected 1 (one broken input)"; }
grep -q "broken.png: cannot decode" "$work/run.out" || fail "the broken input is not named with its reason"
[ "$(find "$work/out" -name '*.png' ! -name '.*' | wc -l)" -eq 6 ] || fail "expected 6 outputs"
[ -z "$(find "$work/out" -name '.*')" ] || fail "a temporary file was left"
grep -q '7 found, 6 written, 1 failed' "$work/run.out" || fail "summary"

# --resume after that: nothing but the broken one is redone.
status=0
"$@" "$cli" run "$work/in" "$work/out" --executor mpi --resume >"$work/resume.out" 2>&1 || status=$?
grep -q '6 up to date' "$work/resume.out" || { cat "$work/resume.out"; fail "resume did not skip the 6"; }

# Another output format: the ranks encode it (libvips' saver) and send the file back; libjpeg reads each strictly.
"$@" "$cli" run "$work/in" "$work/jpeg" --executor mpi --format jpeg --quality 85 >"$work/jpeg.out" 2>&1 || true
grep -q 'written as JPEG, quality 85' "$work/jpeg.out" || { cat "$work/jpeg.out"; fail "JPEG run summary"; }
[ "$(find "$work/jpeg" -name '*.jpg' ! -name '.*' | wc -l)" -eq 6 ] || fail "expected 6 JPEG outputs"
for jpeg in "$work/jpeg"/*.jpg; do djpeg -strict "$jpeg" >/dev/null || fail "$jpeg is not a valid JPEG"; done

# Without mpirun: refused as a usage error, saying how to launch it.
status=0
"$cli" -e sequential,mpi -n 2 --size 64x64 >"$work/refused.out" 2>&1 || status=$?
[ "$status" -eq 2 ] || { cat "$work/refused.out"; fail "without mpirun: exit $status, expected 2"; }
grep -q 'mpirun -n' "$work/refused.out" || { cat "$work/refused.out"; fail "no launch hint"; }
echo "cli under mpirun: ok"
