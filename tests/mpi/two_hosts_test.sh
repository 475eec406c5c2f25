#!/usr/bin/env bash
# The mpi executor across two hosts on one machine: two network namespaces joined by a veth pair, each with its own
# host name (a UTS namespace), Open MPI's remote launch agent pointed at a script that enters the other namespace,
# and the TCP transport only, so every message crosses a real TCP link.
#   two_hosts_test.sh IMAGE_PIPELINE MPIRUN
# Exits 77 (ctest: skipped), saying why, where namespaces cannot be made (not root, no `ip netns`, no unshare).
set -euo pipefail
cli=$1
mpirun=$2
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare --uts --pid --fork --mount-proc true 2>/dev/null || skip "cannot make UTS, PID and mount namespaces"

work=$(mktemp -d)
a="pl$$a"
b="pl$$b"
cleanup() {
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$a" 2>"$work/netns.err" || skip "cannot make a network namespace: $(cat "$work/netns.err")"
ip netns add "$b"
ip link add "v$a" netns "$a" type veth peer name "v$b" netns "$b" || skip "cannot make a veth pair"
ip -n "$a" addr add 10.77.0.1/24 dev "v$a"
ip -n "$b" addr add 10.77.0.2/24 dev "v$b"
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "v$ns" up
done

# Open MPI's rsh launcher runs `AGENT [options] HOST COMMAND...`: here, COMMAND inside HOST's namespaces. A PID
# namespace of its own too, as another machine would be: rank 0's processes are out of sight in its /proc, so a rank
# there cannot map rank 0's shared image memory and its images travel as MPI messages over the link.
cat >"$work/agent.sh" <<'AGENT'
#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
host=$1
shift
exec ip netns exec "$host" unshare --uts --pid --fork --kill-child --mount-proc sh -c "hostname $host; $*"
AGENT
chmod +x "$work/agent.sh"

# Rank 0 and rank 1 on host a, rank 2 on host b; mpirun itself on a.
on_a() {
  ip netns exec "$a" unshare --uts sh -c 'hostname "$0"; exec "$@"' "$a" \
    timeout 240 "$mpirun" --allow-run-as-root --oversubscribe --host "$a:2,$b:1" \
    --mca plm_rsh_agent "$work/agent.sh" --mca btl tcp,self \
    --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 "$@"
}

on_a "$cli" -e sequential,mpi -w 2 -n 8 --size 320x240 -r 1 --warmup 0 --csv "$work/runs.csv" --json "$work/runs.json" \
  >"$work/compare.out" 2>&1 || { cat "$work/compare.out"; fail "the comparison across two hosts failed"; }
cat "$work/compare.out"
grep -q '^mpi .*| yes$' "$work/compare.out" || fail "mpi's outputs are not identical to sequential's"
hosts=$(awk -F, '$1 == "mpi" { print $NF }' "$work/runs.csv")
[ "$hosts" = 2 ] || fail "the mpi run's records name $hosts host(s), expected 2"
grep -q "\"host\": \"$a\"" "$work/runs.json" || fail "no record from host $a"
grep -q "\"host\": \"$b\"" "$work/runs.json" || fail "no record from host $b"
# Rank 1 took its images in place in rank 0's shared image memory, rank 2 (host b) as messages.
grep -q 'of 8 images in place in shared memory (ranks on rank 0.s host), the others as MPI messages' "$work/compare.out" ||
  fail "the report does not say that host $b's images travelled as messages"

# run: the files' bytes cross the link both ways; rank 0 writes every output.
mkdir -p "$work/in"
"$cli" -e sequential -n 6 --size 200x150 -r 1 --warmup 0 -o "$work/in" >/dev/null 2>&1 || fail "making inputs"
on_a "$cli" run "$work/in" "$work/out" --executor mpi >"$work/run.out" 2>&1 || { cat "$work/run.out"; fail "run across two hosts"; }
grep -q '6 found, 6 written, 0 failed' "$work/run.out" || { cat "$work/run.out"; fail "run's summary"; }
echo "two hosts: ok"
