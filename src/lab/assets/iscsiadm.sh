#!/bin/bash
# novaops lab: simulated open-iscsi iscsiadm for one compute host.
set -u
. "$(dirname "$0")/lab-devices.sh"
NEXT_SID="$ISCSI_DIR/next_sid"
TARGETS="$LAB_DIR/iscsi-targets"

mode="" sid="" logout=0 login=0 type="" portal="" target="" print=""
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
    -P|--print) print="$2"; shift 2 ;;
    --print=*) print="${1#*=}"; shift ;;
    -I|--interface) shift 2 ;;
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

# The -P 1/2/3 tree of session_info.c: sessions grouped by target, a Target line when it changes,
# the portals unless the previous session of the target had the same; -P 3 adds the SCSI devices.
print_tree() {
  local level="$1" only="$2" initiator="iqn.1993-08.org.debian:01:$(basename "$HOST_ROOT")"
  local rows prev_iqn="" prev_portal="" sid iqn portal t
  rows="$(session_rows | awk -v only="$only" 'only == "" || $1 == only { if (!($2 in seen)) { seen[$2] = ++k; order[k] = $2 } line[$2] = line[$2] $0 "\n" } END { for (i = 1; i <= k; i++) printf "%s", line[order[i]] }')"
  if [ "$level" -ge 3 ]; then
    echo "iSCSI Transport Class version 2.0-870"
    echo "version 2.1.8"
  fi
  while read -r sid iqn portal; do
    [ -z "$sid" ] && continue
    if [ "$iqn" != "$prev_iqn" ]; then
      echo "Target: $iqn (non-flash)"
      prev_portal=""
    fi
    if [ "$portal" != "$prev_portal" ]; then
      printf '\tCurrent Portal: %s\n\tPersistent Portal: %s\n' "$portal" "$portal"
    else
      echo
    fi
    t=$'\t\t'
    printf '%s**********\n%sInterface:\n%s**********\n' "$t" "$t" "$t"
    printf '%sIface Name: default\n%sIface Transport: tcp\n%sIface Initiatorname: %s\n' "$t" "$t" "$t" "$initiator"
    printf '%sIface IPaddress: 127.0.0.1\n%sIface HWaddress: default\n%sIface Netdev: default\n' "$t" "$t" "$t"
    printf '%sSID: %s\n%siSCSI Connection State: LOGGED IN\n%siSCSI Session State: LOGGED_IN\n%sInternal iscsid Session State: NO CHANGE\n' "$t" "$sid" "$t" "$t" "$t"
    if [ "$level" -ge 2 ]; then
      printf '%s*********\n%sTimeouts:\n%s*********\n%sRecovery Timeout: 120\n%sTarget Reset Timeout: 30\n%sLUN Reset Timeout: 30\n%sAbort Timeout: 15\n' "$t" "$t" "$t" "$t" "$t" "$t" "$t"
      printf '%s*****\n%sCHAP:\n%s*****\n%susername: <empty>\n%spassword: ********\n%susername_in: <empty>\n%spassword_in: ********\n' "$t" "$t" "$t" "$t" "$t" "$t" "$t"
      printf '%s************************\n%sNegotiated iSCSI params:\n%s************************\n' "$t" "$t" "$t"
      printf '%sHeaderDigest: None\n%sDataDigest: None\n%sMaxRecvDataSegmentLength: 262144\n%sMaxXmitDataSegmentLength: 262144\n' "$t" "$t" "$t" "$t"
      printf '%sFirstBurstLength: 65536\n%sMaxBurstLength: 262144\n%sImmediateData: Yes\n%sInitialR2T: Yes\n%sMaxOutstandingR2T: 1\n' "$t" "$t" "$t" "$t" "$t"
    fi
    if [ "$level" -ge 3 ]; then
      printf '%s************************\n%sAttached SCSI devices:\n%s************************\n' "$t" "$t" "$t"
      printf '%sHost Number: %s\tState: running\n' "$t" $((sid + 2))
      printf '%sscsi%s Channel 00 Id 0 Lun: 0\n' "$t" $((sid + 2))
      if disk_present "$sid" "$iqn"; then
        printf '%sscsi%s Channel 00 Id 0 Lun: 1\n' "$t" $((sid + 2))
        printf '%s\tAttached scsi disk %s\t\tState: running\n' "$t" "$(disk_of_sid "$sid")"
      fi
    fi
    prev_iqn="$iqn" prev_portal="$portal"
  done <<<"$rows"
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
        log_op "iscsiadm -m session -r $sid -u"
        forget_session "$sid" "$(awk '{print $4}' <<<"$line")"
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
      if [ -n "$print" ] && [ "$print" -ge 1 ]; then print_tree "$print" "$sid"; else echo "$line"; fi
      exit 0
    fi
    if [ ! -s "$SESSIONS" ]; then
      echo "iscsiadm: No active sessions." >&2
      exit 21
    fi
    if [ -n "$print" ] && [ "$print" -ge 1 ]; then print_tree "$print" ""; else cat "$SESSIONS"; fi
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
