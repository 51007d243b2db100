# Helpers shared by the beds' phase files: logging, phase timing, chrooted daemons, port waits.
# Sourced by up.sh after the bed's env.sh (which sets ROOT, BED_IN, BED_OUT, LOG, RUN, TIMES).

say() { echo "[$(date +%T)] $*"; }
phase_start() { PH=$1; PH_T0=$(date +%s); say "=== phase $PH"; }
phase_end() {
  local dt=$(( $(date +%s) - PH_T0 ))
  say "=== phase $PH done in ${dt}s"
  mkdir -p "$(dirname "$TIMES")" && echo "$(date -Is) $PH ${dt}s" >> "$TIMES"
}
die() { say "ERROR: $*"; exit 1; }

# in_root CMD...: run CMD inside the bed's root file system with a clean environment, so that the
# host's PATH (pyenv, node) and locale never leak into the Debian tools inside.
in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# A PID file holds the pid of the chroot process, which execs the daemon: that pid is the daemon's,
# and it leads its own session (setsid), so down.sh can signal the group and nothing else.
alive() { local s; [ -f "$RUN/$1.pid" ] && s=$(ps -o stat= -p "$(cat "$RUN/$1.pid")" 2>/dev/null) && [ "${s:0:1}" != Z ]; }
# start NAME CMD...: CMD runs inside the root, detached, output to $LOG/NAME.out
start() {
  local n=$1; shift
  if alive "$n"; then say "$n already running (pid $(cat "$RUN/$n.pid"))"; return 0; fi
  setsid chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" >>"$LOG/$n.out" 2>&1 </dev/null &
  echo $! > "$RUN/$n.pid"
  say "started $n (pid $!)"
}
listening() { (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
wait_port() { # wait_port PORT NAME [TIMEOUT]
  local t=${3:-120} i
  for ((i=0;i<t;i++)); do
    listening "$1" && { say "$2 listening on 127.0.0.1:$1 after ${i}s"; return 0; }
    sleep 1
  done
  say "ERROR: $2 not listening on $1 after ${t}s"; return 1
}
# uwsgi_start NAME PORT MODULE_OR_FILE PROCESSES THREADS: a uwsgi HTTP server inside the root.
# MODULE_OR_FILE is "module:pkg.mod" (Epoxy's importable WSGI apps) or a path to a wsgi script.
uwsgi_start() {
  local n=$1 port=$2 app=$3 procs=$4 threads=$5 appline
  case "$app" in module:*) appline="module = ${app#module:}";; *) appline="wsgi-file = $app";; esac
  cat > "$ROOT$BED_IN/etc/uwsgi-$n.ini" <<EOI
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$port
$appline
master = true
processes = $procs
threads = $threads
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
buffer-size = 65535
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
wsgi-manage-chunked-input = true
add-header = Connection: close
need-app = true
EOI
  start "$n" uwsgi --ini "$BED_IN/etc/uwsgi-$n.ini"
}
mysql_q() { mysql -uroot -h127.0.0.1 -N -B -e "$1"; }
# osc ARGS...: the openstack client inside the root, as the bed's admin (the bed's openrc values)
osc() { in_root env $(grep -o 'OS_[A-Z_]*=[^ ]*' "$BED_OUT/admin-openrc") openstack "$@"; }
# osc_as USER PROJECT ARGS...
osc_as() { local u=$1 p=$2; shift 2; in_root env $(grep -o 'OS_[A-Z_]*=[^ ]*' "$BED_OUT/admin-openrc") OS_USERNAME="$u" OS_PROJECT_NAME="$p" openstack "$@"; }
# rootcmd_env CMD...: any other client inside the root with the openrc values (nova, cinder)
rootcmd_env() { in_root env $(grep -o 'OS_[A-Z_]*=[^ ]*' "$BED_OUT/admin-openrc") "$@"; }

# wsgi_app SCRIPT MODULE: the WSGI entry point of a service; Epoxy's packages may ship the old scripts or only the importable modules.
wsgi_app() { # wsgi_app SCRIPT MODULE
  if [ -x "$ROOT$1" ]; then echo "$1"; else echo "module:$2"; fi
}
wait_status() { # wait_status server|volume NAME WANTED [TIMEOUT]
  local kind=$1 name=$2 want=$3 t=${4:-120} t0=$SECONDS st=""
  while (( SECONDS - t0 < t )); do   # wall-clock: each client call itself takes seconds here
    st=$(osc "$kind" show "$name" -f value -c status 2>/dev/null)
    [ "$st" = "$want" ] && { say "$kind $name is $st after $(( SECONDS - t0 ))s"; return 0; }
    case "$st" in ERROR|error*) say "$kind $name went $st"; return 1;; esac
    sleep 2
  done
  say "TIMEOUT: $kind $name status '$st' (wanted $want)"; return 1
}
