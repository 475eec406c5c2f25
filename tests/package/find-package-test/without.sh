#!/bin/sh
# without.sh "DIR..." PROGRAM ARGS...: runs PROGRAM with each DIR hidden behind an empty tmpfs, in a mount namespace
# of its own (nothing changes for anyone else), so the program cannot reach what those folders hold.
dirs=$1
shift
if ! unshare --user --map-root-user --mount true 2>/dev/null; then
  # No user namespaces here (some containers): the program still checks which worker it found.
  echo "without.sh: cannot hide $dirs (no user namespaces); running with it in place" >&2
  exec "$@"
fi
exec unshare --user --map-root-user --mount sh -c '
  for dir in $0; do mount -t tmpfs none "$dir" || exit 125; done
  exec "$@"' "$dirs" "$@"
