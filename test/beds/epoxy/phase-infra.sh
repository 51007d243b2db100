# Phase infra: the machine's own MariaDB (3306) and RabbitMQ (5672) get this bed's databases, users
# and vhosts; memcached runs inside the root on its own port. Nothing here touches the Zed bed's
# databases (no epoxy_ prefix) or its vhost "/".

DATABASES="keystone placement glance nova_api nova_cell0 nova_cell1 nova_cell2 cinder"
DB_GRANTS="keystone:keystone placement:placement glance:glance nova:nova_api nova:nova_cell0
 nova:nova_cell1 nova:nova_cell2 cinder:cinder"

do_infra() {
  phase_start infra
  listening 3306 || die "no MariaDB on 127.0.0.1:3306: start the machine's MariaDB (or 'bash shared/realstack/up.sh install infra'), then re-run"
  listening 5672 || die "no RabbitMQ on 127.0.0.1:5672: start the machine's RabbitMQ (or 'bash shared/realstack/up.sh install infra'), then re-run"
  command -v rabbitmqctl >/dev/null || die "rabbitmqctl is not on this machine: it is needed to add the bed's vhosts"
  local v u h g
  rabbitmqctl -q list_users 2>/dev/null | grep -q "^$RABBIT_USER\b" || rabbitmqctl -q add_user "$RABBIT_USER" "$PW"
  for v in "$RABBIT_VHOST" $(for c in $CELLS; do echo "${RABBIT_VHOST}_$c"; done); do
    rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$v" || rabbitmqctl -q add_vhost "$v"
    rabbitmqctl -q set_permissions -p "$v" "$RABBIT_USER" '.*' '.*' '.*'
  done
  for v in $DATABASES; do mysql_q "CREATE DATABASE IF NOT EXISTS ${DBP}$v"; done
  for u in keystone placement glance nova cinder; do
    for h in localhost 127.0.0.1; do mysql_q "CREATE USER IF NOT EXISTS '${DBP}$u'@'$h' IDENTIFIED BY '$PW'"; done
  done
  for g in $DB_GRANTS; do
    for h in localhost 127.0.0.1; do mysql_q "GRANT ALL PRIVILEGES ON ${DBP}${g#*:}.* TO '${DBP}${g%%:*}'@'$h'"; done
  done
  start memcached memcached -u memcache -l 127.0.0.1 -p "$P_MEMCACHED" -U 0 -m 64
  wait_port "$P_MEMCACHED" memcached 30 || exit 1
  say "databases: $(mysql_q "SHOW DATABASES LIKE '${DBP}%'" | tr '\n' ' ')"
  say "vhosts: $(rabbitmqctl -q list_vhosts | grep "^$RABBIT_VHOST" | tr '\n' ' ')"
  phase_end
}
