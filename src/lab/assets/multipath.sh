#!/bin/bash
# novaops lab: simulated multipath-tools `multipath` (-l, -ll, -f MAP) for one compute host.
set -u
. "$(dirname "$0")/lab-devices.sh"

case "${1:-}" in
  -l|-ll)
    while read -r name iqn sid; do
      wwid="36001405$(printf '%s' "$iqn" | md5sum | cut -c1-25)"
      echo "$name ($wwid) dm-$sid LIO-ORG,IBLOCK"
      echo "size=1.0G features='0' hwhandler='1 alua' wp=rw"
      paths=()
      while read -r psid piqn portal; do
        [ "$piqn" = "$iqn" ] && disk_present "$psid" "$piqn" && paths+=("$psid")
      done < <(session_rows)
      echo "\`-+- policy='service-time 0' prio=$([ "$1" = -l ] && echo 0 || echo 50) status=active"
      for i in "${!paths[@]}"; do
        p="${paths[$i]}"; d="$(disk_of_sid "$p")"; branch='|-'
        [ "$i" -eq $((${#paths[@]} - 1)) ] && branch='`-'
        # sd majors: 8 for the first 16 disks, then 65-71.
        devno="$([ "$p" -lt 16 ] && echo "8:$((16 * p))" || echo "$((65 + (p - 16) / 16)):$((16 * ((p - 16) % 16)))")"
        echo "  $branch $((p + 2)):0:0:1 $d $devno active $([ "$1" = -l ] && echo undef || echo ready) running"
      done
    done < <(maps)
    exit 0
    ;;
  -f)
    name="${2:-}"
    while read -r mname iqn sid; do
      if [ "$mname" = "$name" ]; then
        echo "$mname $iqn" >> "$FLUSHED"
        log_op "multipath -f $name"
        exit 0
      fi
    done < <(maps)
    # multipath-tools' answer for a name that is no map (multipath/main.c), after the monotonic
    # time stamp its stderr log lines carry.
    printf '%s | %s is not a multipath device\n' "$(awk '{ printf "%.6f", $1 }' /proc/uptime)" "$name" >&2
    exit 1
    ;;
  *)
    echo "multipath: lab simulation knows -l, -ll and -f MAP, not '$*'" >&2
    exit 1
    ;;
esac
