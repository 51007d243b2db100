# Phase services: placement, glance, the Neutron stand-in, nova (api, scheduler, super conductor,
# one conductor per cell, one compute per cell), cinder (api, scheduler, volume with the fake driver).
# Phase respawn: hard-reboot the servers of computes that were (re)started, see do_respawn.

nova_start() { # nova_start NAME BINARY CONF
  start "$1" "$2" --config-file "/etc/nova/$3" --log-file "$BED_IN/logs/$1.log"
}
# both computes up in the compute API and registered as hypervisors
computes_ready() {
  local want n
  want=$(echo $COMPUTES | wc -w)
  n=$(osc compute service list --service nova-compute -f value -c Host -c State 2>/dev/null | grep -cE '^compute[0-9]+ up$')
  [ "$n" = "$want" ] || return 1
  n=$(osc hypervisor list -f value -c 'Hypervisor Hostname' 2>/dev/null | grep -cE '^compute[0-9]+$')
  [ "$n" = "$want" ]
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
    nova_start "nova-$n" nova-compute "nova-$n.conf"
  done
  for i in $(seq 1 90); do computes_ready && break; sleep 2; done
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
