# Phase keystone: fernet keys, the admin user and the identity endpoint, keystone under uwsgi.

do_keystone() {
  phase_start keystone
  [ -n "$(ls "$ROOT/etc/keystone/fernet-keys" 2>/dev/null)" ] || in_root keystone-manage fernet_setup --keystone-user root --keystone-group root
  [ -n "$(ls "$ROOT/etc/keystone/credential-keys" 2>/dev/null)" ] || in_root keystone-manage credential_setup --keystone-user root --keystone-group root
  in_root keystone-manage bootstrap --bootstrap-password "$PW" \
     --bootstrap-admin-url "$KS/v3/" --bootstrap-internal-url "$KS/v3/" \
     --bootstrap-public-url "$KS/v3/" --bootstrap-region-id RegionOne >"$LOG/keystone-bootstrap.log" 2>&1 \
     || { tail "$LOG/keystone-bootstrap.log"; die "keystone-manage bootstrap failed"; }
  uwsgi_start keystone "$P_KEYSTONE" "$(wsgi_app /usr/bin/keystone-wsgi-public keystone.wsgi.api:application)" 2 2
  wait_port "$P_KEYSTONE" keystone 90 || exit 1
  local i
  for i in $(seq 1 30); do osc token issue -f value -c expires >/dev/null 2>&1 && break; sleep 2; done
  osc token issue -c expires -c project_id -c user_id || die "no token from keystone (log: $LOG/keystone.out)"
  phase_end
}
