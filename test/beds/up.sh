#!/bin/bash
# Brings up a real OpenStack control plane beside the machine, for integration tests of novaops.
# Usage: bash test/beds/up.sh BED [phase ...]
#   BED: epoxy (2025.1 in a debootstrapped trixie root, two cells). The Zed bed is ../shared/realstack.
#   phases: install configure infra dbsync keystone bootstrap services respawn demo
#   no phase = all, in this order; every phase is idempotent. Stop with down.sh BED [--wipe].
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
HERE=$(cd "$(dirname "$0")" && pwd)
BEDS="epoxy"
usage() { echo "usage: bash $0 BED [phase ...]   (BED: $BEDS)" >&2; }
[ $# -ge 1 ] || { echo "up.sh: name the bed to bring up." >&2; usage; exit 2; }
bed=$1; shift
case " $BEDS " in *" $bed "*) ;; *) echo "up.sh: unknown bed '$bed'; known: $BEDS (Zed lives in shared/realstack)." >&2; usage; exit 2;; esac
[ "$(id -u)" = 0 ] || { echo "up.sh: must run as root (debootstrap, chroot, mounts)." >&2; exit 2; }
. "$HERE/$bed/env.sh"
. "$HERE/lib/common.sh"
PHASES=$(cat "$HERE/$bed/phases")
for ph in "$@"; do
  case " $PHASES " in *" $ph "*) ;; *) echo "up.sh: unknown phase '$ph'; phases of $bed: $PHASES" >&2; exit 2;; esac
done
for f in "$HERE/$bed"/phase-*.sh; do . "$f"; done
[ $# -eq 0 ] && set -- $PHASES
mkdir -p "$B"
for ph in "$@"; do "do_$ph"; done
