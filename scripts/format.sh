#!/usr/bin/env bash
# Formats the project's C++ files with clang-format as .clang-format says (Debian 12's clang-format, version 14:
# another version may format differently). --check changes nothing, lists the files it would change, and fails if
# there are any.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
formatter=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$formatter" ]; then
  echo "format: clang-format not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [ "$check" -eq 0 ]; then
  "$formatter" -i --style=file "${files[@]}"
  exit 0
fi
unformatted=()
for file in "${files[@]}"; do
  "$formatter" --style=file --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  printf 'format: not as .clang-format has it (run scripts/format.sh):\n' >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format has them"
