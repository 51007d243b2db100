#!/bin/bash
# novaops lab: `tee /sys/block/sdX/device/delete` on a simulated compute host (how novaops writes
# the 1 that deletes a SCSI device without a shell redirect). Only that file is simulated: any
# other write is refused, so a lab run can never reach the machine's own files.
set -u
. "$(dirname "$0")/lab-devices.sh"

if [ $# -ne 1 ] || ! [[ "$1" =~ ^/sys/block/(sd[a-z]+)/device/delete$ ]]; then
  echo "tee: lab simulation writes /sys/block/sdX/device/delete only, not '$*'" >&2
  exit 1
fi
disk="${BASH_REMATCH[1]}"
input="$(cat)"
printf '%s\n' "$input"
if ! found="$(session_of_disk "$disk")"; then
  echo "tee: $1: No such file or directory" >&2
  exit 1
fi
# The lab refuses what a real host may hang on later: a path deleted under a live multipath map.
if map="$(map_of_disk "$disk")"; then
  echo "tee: $1: Device or resource busy (multipath map $map still holds $disk; flush it first: multipath -f $map)" >&2
  exit 1
fi
[ "$input" = 1 ] || exit 0
read -r sid iqn <<<"$found"
echo "$sid $iqn $disk" >> "$DELETED"
log_op "delete $disk"
