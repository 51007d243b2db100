#!/bin/bash
# Writes what uid-gid may change on a host to one file, so that two snapshots compare with cmp:
# its /etc/passwd, its /etc/group and "owner group path" of every file under the covered paths.
# Usage: bash test/beds/owners-snapshot.sh ROOT OUT PATH...   (ROOT: / or a bed's root, e.g. /tmp/epoxy/root)
set -u
[ $# -ge 3 ] || { echo "usage: bash $0 ROOT OUT PATH..." >&2; exit 2; }
root=${1%/} out=$2; shift 2
{ cat "$root/etc/passwd"; echo ---; cat "$root/etc/group"; echo ---
  for p in "$@"; do [ -e "$root$p" ] && find "$root$p" -xdev -printf '%U %G %p\n'; done | sort -k3; } > "$out"
echo "$out: $(wc -l < "$out") lines"
