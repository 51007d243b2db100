# Phase services: placement, glance, the Neutron stand-in, nova (api, scheduler, super conductor,
# one conductor per cell, one compute per cell), cinder (api, scheduler, volume with the fake driver).
# Phase respawn: hard-reboot the servers of computes that were (re)started, see do_respawn.

nova_start() { # nova_start NAME BINARY CONF
  start "$1" "$2" --config-file "/etc/nova/$3" --log-file "$BED_IN/logs/$1.log"
}
# every compute of COMPUTES up in the compute API and registered as a hypervisor (others, such as
# a stopped extra compute, do not count either way)
computes_ready() {
  local svc hyp c
  svc=$(osc compute service list --service nova-compute -f value -c Host -c State 2>/dev/null)
  hyp=$(osc hypervisor list -f value -c 'Hypervisor Hostname' 2>/dev/null)
  for c in $COMPUTES; do
    echo "$svc" | grep -qx "${c%%:*} up" && echo "$hyp" | grep -qx "${c%%:*}" || return 1
  done
}

# Since 2023.1 a compute that has run before refuses to start without $state_path/compute_id
# ("No local node identity found, but this is not our first startup"), and FakeDriver never writes
# that file: write it from the compute node row of the compute's cell before every (re)start.
keep_node_identity() { # keep_node_identity HOST CELL
  local f=$BED_OUT/data/nova-$1/compute_id uuid
  [ -s "$f" ] && return 0
  uuid=$(mysql_q "SELECT uuid FROM ${DBP}nova_$2.compute_nodes WHERE host='$1' AND deleted=0 LIMIT 1")
  [ -n "$uuid" ] && echo "$uuid" > "$f" && say "wrote $f ($uuid)"
  return 0
}

do_services() {
  phase_start services
  listening "$P_KEYSTONE" || die "keystone is not running: run 'up.sh $BED infra keystone' first"
  local c n cell i
  uwsgi_start placement "$P_PLACEMENT" "$(wsgi_app /usr/bin/placement-api placement.wsgi.api:application)" 1 4
  start glance-api glance-api --config-file /etc/glance/glance-api.conf --log-file "$BED_IN/logs/glance-api.log"
  start fake-neutron /usr/bin/python3 "$BED_IN/fake-neutron.py" "$P_NEUTRON"
  uwsgi_start nova-api "$P_NOVA" "$(wsgi_app /usr/bin/nova-api-wsgi nova.wsgi.osapi_compute:application)" 2 1
  nova_start nova-scheduler nova-scheduler nova.conf
  nova_start nova-superconductor nova-conductor nova.conf
  for cell in $CELLS; do nova_start "nova-conductor-$cell" nova-conductor "nova-$cell.conf"; done
  uwsgi_start cinder-api "$P_CINDER" "$(wsgi_app /usr/bin/cinder-wsgi cinder.wsgi.api:application)" 1 4
  start cinder-scheduler cinder-scheduler --config-file /etc/cinder/cinder.conf --log-file "$BED_IN/logs/cinder-scheduler.log"
  start cinder-volume cinder-volume --config-file /etc/cinder/cinder.conf --log-file "$BED_IN/logs/cinder-volume.log"
  wait_port "$P_PLACEMENT" placement; wait_port "$P_GLANCE" glance-api; wait_port "$P_NOVA" nova-api; wait_port "$P_CINDER" cinder-api
  for c in $COMPUTES; do
    n=${c%%:*}
    alive "nova-$n" || COMPUTES_STARTED=1
    keep_node_identity "$n" "${c#*:}"
    nova_start "nova-$n" nova-compute "nova-$n.conf"
  done
  local t0=$SECONDS
  while (( SECONDS - t0 < 180 )); do computes_ready && break; sleep 2; done
  computes_ready || die "the computes did not come up in 180 s (logs: $LOG/nova-compute*.log)"
  say "compute services up and compute nodes registered"
  in_root nova-manage cell_v2 discover_hosts --verbose 2>&1 | tail -4
  osc hypervisor list
  osc compute service list
  for i in $(seq 1 60); do
    [ "$(osc volume service list -f value -c Binary -c State 2>/dev/null | grep -c ' up')" -ge 2 ] && break; sleep 2
  done
  osc volume service list
  phase_end
}

# nova's FakeDriver keeps its guests in memory only: after a nova-compute (re)start it no longer
# knows the ACTIVE servers. A hard reboot makes it spawn them again.
do_respawn() {
  phase_start respawn
  if [ "${COMPUTES_STARTED:-0}" = 1 ] || [ "${FORCE_RESPAWN:-0}" = 1 ]; then
    local ids id
    ids=$(osc server list --all-projects --status ACTIVE -f value -c ID 2>/dev/null)
    for id in $ids; do osc server reboot --hard "$id" && say "hard reboot $id (re-spawn in FakeDriver)"; done
    for id in $ids; do wait_status server "$id" ACTIVE 120 >/dev/null; done
  else
    say "computes were already running, nothing to re-spawn"
  fi
  phase_end
}
