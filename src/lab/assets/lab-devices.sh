# novaops lab: the SCSI devices and multipath maps of a simulated compute host, sourced by its
# iscsiadm, multipath, blockdev and tee. Nothing here touches the machine's own /sys or /dev.
#
# Each session has a SCSI host (scsi<sid+2>) with LUN 0 (the target's controller, no disk) and
# LUN 1, whose disk is named after the session id as Linux names disks: sid 1 -> sdb, 25 -> sdz,
# 26 -> sdaa. A target with sessions through two or more portals is one multipath map (mpatha,
# ...). A deleted device or a flushed map is remembered until its session logs out. Every change
# is appended to device-ops.log, so tests can read the order things were done in.
HOST_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LAB_DIR="$(cd "$HOST_ROOT/../.." && pwd)"
ISCSI_DIR="$HOST_ROOT/var/lib/iscsi"
SESSIONS="$ISCSI_DIR/sessions"
DELETED="$ISCSI_DIR/deleted-devices"   # "sid iqn disk"
FLUSHED="$ISCSI_DIR/flushed-maps"      # "map iqn"
OPS_LOG="$ISCSI_DIR/device-ops.log"

# A powered-off host answers nothing: what an operator sees over ssh.
if [ -e "$HOST_ROOT/powered-off" ]; then
  echo "ssh: connect to host $(basename "$HOST_ROOT") port 22: No route to host" >&2
  exit 255
fi
# Before the lock below: a hanging command must not stall the host's other commands.
. "$(dirname "$0")/lab-faults.sh"
mkdir -p "$ISCSI_DIR"
touch "$SESSIONS" "$DELETED" "$FLUSHED"
exec 9>"$ISCSI_DIR/.lock"
flock 9

log_op() { printf '%s\n' "$*" >> "$OPS_LOG"; }

# Linux disk letters: 0 -> a, 25 -> z, 26 -> aa.
letters() {
  local n=$1 s=""
  while :; do
    s="$(printf "\\$(printf '%03o' $((97 + n % 26)))")$s"
    n=$((n / 26 - 1))
    [ "$n" -lt 0 ] && break
  done
  printf '%s' "$s"
}
disk_of_sid() { printf 'sd%s' "$(letters "$1")"; }

# "sid iqn portal,tpgt" for every session, in the order of the table.
session_rows() { awk '/^[a-z]+: \[[0-9]+\] /{ sid = $2; gsub(/[\[\]]/, "", sid); print sid, $4, $3 }' "$SESSIONS"; }

# 0 when the disk of this session was not deleted.
disk_present() { ! grep -qxF "$1 $2 $(disk_of_sid "$1")" "$DELETED"; }

# "sid iqn" of the session whose disk is $1, if it is present.
session_of_disk() {
  local sid iqn portal
  while read -r sid iqn portal; do
    if [ "$(disk_of_sid "$sid")" = "$1" ] && disk_present "$sid" "$iqn"; then echo "$sid $iqn"; return 0; fi
  done < <(session_rows)
  return 1
}

# "map iqn first-sid" for every target with sessions through two or more portals, not flushed.
maps() {
  session_rows | awk '{ n[$2]++; if (!($2 in first)) { first[$2] = $1; order[++k] = $2 } } END { for (i = 1; i <= k; i++) if (n[order[i]] > 1) print order[i], first[order[i]] }' |
    while read -r iqn sid; do
      local name="mpath$(letters $((sid - 1)))"
      grep -qxF "$name $iqn" "$FLUSHED" || echo "$name $iqn $sid"
    done
}

# The map holding disk $1, if any.
map_of_disk() {
  local found sid iqn name miqn msid
  found="$(session_of_disk "$1")" || return 1
  read -r sid iqn <<<"$found"
  while read -r name miqn msid; do
    [ "$miqn" = "$iqn" ] && { echo "$name"; return 0; }
  done < <(maps)
  return 1
}

# A session logged out: what was remembered of its devices and maps goes with it.
forget_session() {
  local sid="$1" iqn="$2"
  grep -vE "^$sid " "$DELETED" > "$DELETED.tmp.$$" || true
  mv -f "$DELETED.tmp.$$" "$DELETED"
  if ! session_rows | awk -v q="$iqn" '$2 == q { found = 1 } END { exit !found }'; then
    grep -vE " $(printf '%s' "$iqn" | sed 's/[.[\*^$]/\\&/g')\$" "$FLUSHED" > "$FLUSHED.tmp.$$" || true
    mv -f "$FLUSHED.tmp.$$" "$FLUSHED"
  fi
}
