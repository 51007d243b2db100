# novaops lab: faults of the SSH link to a simulated compute host, sourced first by its iscsiadm,
# multipath, blockdev, tee and systemctl. The simulator writes the plan (faults/host-plan: one
# `index action` line per faulted command); each command takes the next index under a lock, so a
# seed replays the same faults for the same order of commands. Without a plan nothing happens.
#   host-drop-before  the connection drops before the command did anything (ssh exits 255)
#   host-drop-after   the command does its work, its output is lost, then the connection drops
#   host-hang         the command never finishes: the caller's timeout must end it
lab_fault_host_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lab_fault_dir="$(cd "$lab_fault_host_root/../.." && pwd)/faults"
if [ -s "$lab_fault_dir/host-plan" ]; then
  lab_fault_host="$(basename "$lab_fault_host_root")"
  lab_fault_index="$(
    exec 8>>"$lab_fault_dir/host-next.lock"
    flock 8
    n="$(cat "$lab_fault_dir/host-next" 2>/dev/null)"
    n="${n:-0}"
    echo $((n + 1)) > "$lab_fault_dir/host-next"
    echo "$n"
  )"
  lab_fault_action="$(awk -v i="$lab_fault_index" '$1 == i { print $2; exit }' "$lab_fault_dir/host-plan")"
  if [ -n "$lab_fault_action" ]; then
    printf '%s %s %s %s\n' "$lab_fault_action" "$lab_fault_host" "$(basename "$0")" "$*" >> "$lab_fault_dir/host-injected.log"
    case "$lab_fault_action" in
      host-drop-before)
        echo "Connection to $lab_fault_host closed by remote host." >&2
        exit 255
        ;;
      host-drop-after)
        # The work happens; what it prints never arrives, and the link drops as it ends.
        exec > /dev/null
        trap 'echo "Connection to $lab_fault_host closed by remote host." >&2; exit 255' EXIT
        ;;
      host-hang)
        exec sleep 2147483647
        ;;
    esac
  fi
fi
