#!/bin/bash
# novaops lab: a systemctl for one simulated compute host. It keeps each service's state under the
# host's run/lab-services and records every stop and start (one line each), so that tests can count
# them; it never touches the machine's own services.
set -u
HOST_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$HOST_ROOT/run/lab-services"
LOG="$DIR/systemctl.log"
mkdir -p "$DIR"
if [ -e "$HOST_ROOT/powered-off" ]; then
  echo "ssh: connect to host $(basename "$HOST_ROOT") port 22: No route to host" >&2
  exit 255
fi
. "$(dirname "$0")/lab-faults.sh"
verb="${1:-}"
shift || true
[ $# -gt 0 ] || { echo "systemctl: $verb needs a unit name" >&2; exit 1; }
case "$verb" in
  stop|start|restart)
    for unit in "$@"; do
      unit="${unit%.service}"
      # A unit a test made refuse to start: what a real failing service looks like.
      if [ "$verb" != stop ] && [ -e "$DIR/$unit.fails" ]; then
        echo "Job for $unit.service failed because the control process exited with error code." >&2
        echo "$verb $unit FAILED" >> "$LOG"
        exit 1
      fi
      echo "$verb $unit" >> "$LOG"
      if [ "$verb" = stop ]; then echo inactive > "$DIR/$unit"; else echo active > "$DIR/$unit"; fi
    done ;;
  is-active)
    rc=0
    for unit in "$@"; do
      unit="${unit%.service}"
      state=$(cat "$DIR/$unit" 2>/dev/null || echo inactive)
      echo "$state"
      [ "$state" = active ] || rc=3
    done
    exit $rc ;;
  *) echo "systemctl: unknown command '$verb' (the lab knows stop, start, restart, is-active)" >&2; exit 1 ;;
esac
