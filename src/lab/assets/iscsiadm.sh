#!/bin/bash
# novaops lab: simulated open-iscsi iscsiadm for one compute host.
set -u
HOST_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LAB_DIR="$(cd "$HOST_ROOT/../.." && pwd)"
ISCSI_DIR="$HOST_ROOT/var/lib/iscsi"
SESSIONS="$ISCSI_DIR/sessions"
NEXT_SID="$ISCSI_DIR/next_sid"
TARGETS="$LAB_DIR/iscsi-targets"
# A powered-off host answers nothing: what an operator sees over ssh.
if [ -e "$HOST_ROOT/powered-off" ]; then
  echo "ssh: connect to host $(basename "$HOST_ROOT") port 22: No route to host" >&2
  exit 255
fi
mkdir -p "$ISCSI_DIR"
touch "$SESSIONS"
exec 9>"$ISCSI_DIR/.lock"
flock 9

mode="" sid="" logout=0 login=0 type="" portal="" target=""
while [ $# -gt 0 ]; do
  case "$1" in
    -m|--mode) mode="$2"; shift 2 ;;
    --mode=*) mode="${1#*=}"; shift ;;
    -r|--sid) sid="$2"; shift 2 ;;
    --sid=*) sid="${1#*=}"; shift ;;
    -u|--logout) logout=1; shift ;;
    -l|--login) login=1; shift ;;
    -t|--type) type="$2"; shift 2 ;;
    -p|--portal) portal="$2"; shift 2 ;;
    -T|--targetname|--target-name) target="$2"; shift 2 ;;
    --targetname=*|--target-name=*) target="${1#*=}"; shift ;;
    -P|--print|-I|--interface) shift 2 ;;
    *) echo "iscsiadm: unrecognized option '$1'" >&2; exit 7 ;;
  esac
done

write_sessions() { # atomic replace: a reader never sees a half-written table
  local tmp="$SESSIONS.tmp.$$"
  cat > "$tmp" && mv -f "$tmp" "$SESSIONS"
}

# "tcp: [N] 127.0.0.1:3260,1 IQN (non-flash)" -> "N IQN 127.0.0.1,3260"
describe() {
  local line="$1" n p iqn
  n="$(sed -E 's/^tcp: \[([0-9]+)\].*/\1/' <<<"$line")"
  p="$(awk '{print $3}' <<<"$line")"; p="${p%,*}"
  iqn="$(awk '{print $4}' <<<"$line")"
  echo "$n $iqn ${p%:*},${p##*:}"
}

logout_lines() {
  local lines="$1" n iqn p
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    read -r n iqn p <<<"$(describe "$line")"
    echo "Logging out of session [sid: $n, target: $iqn, portal: $p]"
  done <<<"$lines"
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    read -r n iqn p <<<"$(describe "$line")"
    echo "Logout of [sid: $n, target: $iqn, portal: $p] successful."
  done <<<"$lines"
}

portal_ip() { local p="${1%%,*}"; echo "${p%%:*}"; }

check_portal() {
  local ip; ip="$(portal_ip "$1")"
  if ! [[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "iscsiadm: Cannot resolve host $ip. getaddrinfo error: [Name or service not known]" >&2
    echo "iscsiadm: cannot resolve host name $ip" >&2
    exit 6
  fi
  if ! [[ "$ip" =~ ^127\. ]]; then
    echo "iscsiadm: cannot make connection to $ip: No route to host" >&2
    echo "iscsiadm: connection login retries (reopen_max) 5 exceeded" >&2
    echo "iscsiadm: Could not perform SendTargets discovery: encountered connection failure" >&2
    exit 4
  fi
}

case "$mode" in
  session)
    if [ "$logout" = 1 ]; then
      if [ -n "$sid" ]; then
        line="$(grep -E "^tcp: \[$sid\] " "$SESSIONS" || true)"
        if [ -z "$line" ]; then
          echo "iscsiadm: Could not get session info for sid $sid" >&2
          exit 21
        fi
        logout_lines "$line"
        grep -vE "^tcp: \[$sid\] " "$SESSIONS" | write_sessions
        exit 0
      fi
      all="$(cat "$SESSIONS")"
      if [ -z "$all" ]; then
        echo "iscsiadm: No matching sessions found" >&2
        exit 21
      fi
      logout_lines "$all"
      : | write_sessions
      exit 0
    fi
    if [ -n "$sid" ]; then
      line="$(grep -E "^tcp: \[$sid\] " "$SESSIONS" || true)"
      if [ -z "$line" ]; then
        echo "iscsiadm: Could not get session info for sid $sid" >&2
        exit 21
      fi
      echo "$line"
      exit 0
    fi
    if [ ! -s "$SESSIONS" ]; then
      echo "iscsiadm: No active sessions." >&2
      exit 21
    fi
    cat "$SESSIONS"
    exit 0
    ;;
  discovery|discoverydb)
    [ -z "$portal" ] && { echo "iscsiadm: discovery requires portal" >&2; exit 7; }
    check_portal "$portal"
    ip="$(portal_ip "$portal")"
    if [ ! -s "$TARGETS" ]; then
      echo "iscsiadm: No portals found" >&2
      exit 21
    fi
    while IFS= read -r iqn; do [ -n "$iqn" ] && echo "$ip:3260,1 $iqn"; done < "$TARGETS"
    exit 0
    ;;
  node)
    if [ "$login" = 1 ]; then
      [ -z "$target" ] && { echo "iscsiadm: no records found" >&2; exit 21; }
      [ -n "$portal" ] && check_portal "$portal"
      ip="$(portal_ip "${portal:-127.0.0.1}")"
      if grep -qF " $target " "$SESSIONS"; then
        echo "iscsiadm: default: 1 session requested, but 1 already present." >&2
        echo "iscsiadm: Could not log into all portals" >&2
        exit 15
      fi
      if [ ! -f "$TARGETS" ] || ! grep -qxF "$target" "$TARGETS"; then
        echo "iscsiadm: No records found" >&2
        exit 21
      fi
      n="$(cat "$NEXT_SID" 2>/dev/null || echo 1)"
      echo "Logging in to [iface: default, target: $target, portal: $ip,3260]"
      { cat "$SESSIONS"; echo "tcp: [$n] $ip:3260,1 $target (non-flash)"; } | write_sessions
      echo $((n + 1)) > "$NEXT_SID"
      echo "Login to [iface: default, target: $target, portal: $ip,3260] successful."
      exit 0
    fi
    if [ "$logout" = 1 ]; then
      [ -z "$target" ] && { all="$(cat "$SESSIONS")"; } || { all="$(grep -F " $target " "$SESSIONS" || true)"; }
      if [ -z "$all" ]; then
        echo "iscsiadm: No matching sessions found" >&2
        exit 21
      fi
      logout_lines "$all"
      if [ -z "$target" ]; then : | write_sessions; else grep -vF " $target " "$SESSIONS" | write_sessions; fi
      exit 0
    fi
    if [ -f "$TARGETS" ] && [ -s "$TARGETS" ]; then
      while IFS= read -r iqn; do [ -n "$iqn" ] && echo "127.0.0.1:3260,1 $iqn"; done < "$TARGETS"
      exit 0
    fi
    echo "iscsiadm: No records found" >&2
    exit 21
    ;;
  "")
    echo "iscsiadm: You must specify a mode" >&2
    exit 7
    ;;
  *)
    echo "iscsiadm: Invalid mode '$mode'" >&2
    exit 7
    ;;
esac
