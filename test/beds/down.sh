#!/bin/bash
# Stops a bed that up.sh started: only the processes named by its PID files, then unmounts its root.
# Usage: bash test/beds/down.sh BED [--wipe]
#   --wipe also drops the bed's databases, db users, RabbitMQ vhosts and user, and deletes its root
#   file system (the next up.sh starts from debootstrap). Idempotent: a stopped bed stays stopped.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
HERE=$(cd "$(dirname "$0")" && pwd)
BEDS="epoxy"
usage() { echo "usage: bash $0 BED [--wipe]   (BED: $BEDS)" >&2; }
[ $# -ge 1 ] || { echo "down.sh: name the bed to take down." >&2; usage; exit 2; }
bed=$1; shift
case " $BEDS " in *" $bed "*) ;; *) echo "down.sh: unknown bed '$bed'; known: $BEDS" >&2; usage; exit 2;; esac
WIPE=0
for a in "$@"; do
  case "$a" in --wipe) WIPE=1;; *) echo "down.sh: unknown argument '$a'" >&2; usage; exit 2;; esac
done
[ "$(id -u)" = 0 ] || { echo "down.sh: must run as root (mounts)." >&2; exit 2; }
. "$HERE/$bed/env.sh"
. "$HERE/lib/common.sh"

# computes first (they call the conductors), then the control plane, then infrastructure
SERVICES="cinder-volume cinder-scheduler cinder-api nova-conductor-cell2 nova-conductor-cell1
 nova-superconductor nova-scheduler nova-api fake-neutron glance-api placement keystone"
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]; }
signal() { # signal NAME: send the stop signal, print "name pid group" if it was running
  local n=$1 f=$RUN/$1.pid pid grp
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  running "$pid" || { rm -f "$f"; return 0; }
  # every daemon was started with setsid: its process group is its own, signal that group only
  grp=$pid; [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && grp=-$pid
  if [ -f "$BED_OUT/etc/uwsgi-$n.ini" ]; then
    kill -INT "$pid" 2>/dev/null      # a uwsgi master stops its workers on SIGINT (TERM can hang)
  else
    kill -TERM -- "$grp" 2>/dev/null
  fi
  echo "$n $pid $grp"
}
stop_all() { # stop_all NAME...: signal all, wait up to 30 s, KILL the group of what is left
  local list i n pid grp left
  list=$(for n in "$@"; do signal "$n"; done)
  for i in $(seq 1 60); do
    left=0
    while read -r n pid grp; do [ -n "$n" ] && running "$pid" && left=1; done <<< "$list"
    [ $left = 0 ] && break; sleep 0.5
  done
  while read -r n pid grp; do
    [ -z "$n" ] && continue
    if running "$pid"; then echo "$n ($pid) did not stop in 30s, sending KILL"; kill -KILL -- "$grp" 2>/dev/null; fi
    rm -f "$RUN/$n.pid"; echo "stopped $n ($pid)"
  done <<< "$list"
}
pid_names() { local f; for f in "$RUN"/$1.pid; do [ -e "$f" ] && basename "$f" .pid; done; }
if [ -d "$RUN" ]; then
  stop_all $(pid_names 'nova-compute*')
  others=""   # a daemon of a later version of up.sh that this list does not name yet
  for n in $(pid_names '*'); do
    case " $(echo $SERVICES) memcached " in *" $n "*) ;; *) others="$others $n";; esac
  done
  stop_all $SERVICES $others
  stop_all memcached
fi

# unmount inside the root (deepest first); /dev was bound as a slave, so nothing on the host moves
for m in dev sys proc; do
  mountpoint -q "$ROOT/$m" && { umount -R "$ROOT/$m" || umount -lR "$ROOT/$m"; } && echo "unmounted $ROOT/$m"
done

if [ $WIPE = 1 ]; then
  for d in $(mysql_q "SHOW DATABASES LIKE '${DBP//_/\\_}%'" 2>/dev/null); do mysql_q "DROP DATABASE IF EXISTS \`$d\`"; echo "dropped database $d"; done
  for u in keystone placement glance nova cinder; do
    for h in localhost 127.0.0.1; do mysql_q "DROP USER IF EXISTS '${DBP}$u'@'$h'" 2>/dev/null; done
  done
  if command -v rabbitmqctl >/dev/null; then
    for v in $(rabbitmqctl -q list_vhosts 2>/dev/null | grep -E "^${RABBIT_VHOST}(_|$)"); do rabbitmqctl -q delete_vhost "$v" && echo "deleted vhost $v"; done
    rabbitmqctl -q list_users 2>/dev/null | grep -q "^$RABBIT_USER\b" && rabbitmqctl -q delete_user "$RABBIT_USER"
  fi
  # never delete through a mount: the host's /dev, /proc or /sys would go with it
  if findmnt -rn -o TARGET | grep -q "^$ROOT\(/\|$\)"; then
    echo "down.sh: something is still mounted under $ROOT; not deleting it:" >&2
    findmnt -rn -o TARGET | grep "^$ROOT" >&2; exit 1
  fi
  [ -d "$B" ] && rm -rf --one-file-system "$B" && echo "deleted $B"
fi
exit 0
