#!/bin/bash
# novaops lab: simulated util-linux `blockdev --flushbufs /dev/sdX` for one compute host.
set -u
. "$(dirname "$0")/lab-devices.sh"

if [ "${1:-}" != --flushbufs ] || [ $# -ne 2 ]; then
  echo "blockdev: lab simulation knows --flushbufs DEVICE only" >&2
  exit 1
fi
disk="${2#/dev/}"
if ! session_of_disk "$disk" > /dev/null; then
  echo "blockdev: cannot open $2: No such file or directory" >&2
  exit 1
fi
log_op "blockdev --flushbufs $2"
