# Phase configure: every config file of the bed, written inside the root (/etc/... of the root).
#
# Cell layout (superconductor): the api, the scheduler and the super conductor use the top vhost and
# nova.conf ([database] = cell0). Each cell has its own vhost, its own conductor (nova-cellN.conf,
# [database] = that cell's DB) and its compute (nova-computeN.conf). One conductor for all cells
# would not do: a compute's object writes go through the conductor it reaches by RPC, and a
# conductor writes to its own [database], so compute2's service and compute node rows would land in
# cell1. Cell conductors also get [api_database] (the "upcall" opt-in) so that a cell's config file
# alone tells an operator tool both database URLs.

ksauth() { # ksauth SECTION USER -> a keystone password auth block
cat <<EOI
[$1]
auth_url = $KS/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $PW
region_name = RegionOne
EOI
}
authtoken() { # authtoken USER
cat <<EOI
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
memcached_servers = 127.0.0.1:$P_MEMCACHED
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PW
service_token_roles_required = true
EOI
}
backup_once() { [ -f "$1" ] && [ ! -f "$1.debian-orig" ] && cp -p "$1" "$1.debian-orig"; true; }

write_keystone_conf() {
  backup_once "$ROOT/etc/keystone/keystone.conf"
  cat > "$ROOT/etc/keystone/keystone.conf" <<EOI
[DEFAULT]
debug = false
[database]
connection = $(dburl keystone keystone)
[token]
provider = fernet
[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = 127.0.0.1:$P_MEMCACHED
EOI
}

write_placement_conf() {
  backup_once "$ROOT/etc/placement/placement.conf"
  { cat <<EOI
[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = $(dburl placement placement)
EOI
    authtoken placement; } > "$ROOT/etc/placement/placement.conf"
}

write_glance_conf() {
  backup_once "$ROOT/etc/glance/glance-api.conf"
  { cat <<EOI
[DEFAULT]
debug = false
bind_host = 127.0.0.1
bind_port = $P_GLANCE
workers = 1
enabled_backends = file:file
[database]
connection = $(dburl glance glance)
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $BED_IN/data/glance/images/
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = $BED_IN/lock/glance
EOI
    authtoken glance; } > "$ROOT/etc/glance/glance-api.conf"
}

# nova_common HOST STATE TRANSPORT [EXTRA_DEFAULT_LINES]: what every nova process shares, with its
# own identity in [DEFAULT] (each section once, so that strict ini readers take the file too).
nova_common() {
  cat <<EOI
[DEFAULT]
host = $1
state_path = $BED_IN/data/$2
transport_url = $3
${4:-}
debug = true
my_ip = 127.0.0.1
enabled_apis = osapi_compute
osapi_compute_workers = 1
metadata_workers = 1
heal_instance_info_cache_interval = -1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30
[glance]
api_servers = http://127.0.0.1:$P_GLANCE
[oslo_concurrency]
lock_path = $BED_IN/lock/$2
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[spice]
enabled = false
[serial_console]
enabled = false
[cinder]
os_region_name = RegionOne
catalog_info = volumev3:cinderv3:publicURL
auth_url = $KS/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = $PW
[neutron]
# fake-neutron.py stand-in (no real Neutron): read-only empty answers
endpoint_override = http://127.0.0.1:$P_NEUTRON
auth_url = $KS/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = $PW
region_name = RegionOne
EOI
  ksauth placement placement
  ksauth service_user nova; echo "send_service_user_token = true"
  authtoken nova
}

# nova_conf HOST STATE TRANSPORT EXTRA_DEFAULT_LINES [section connection]...: one complete file.
nova_conf() {
  nova_common "$1" "$2" "$3" "$4"; shift 4
  while [ $# -ge 2 ]; do printf '[%s]\nconnection = %s\n' "$1" "$2"; shift 2; done
}

write_nova_confs() {
  local e=$ROOT/etc/nova c cell n
  backup_once "$e/nova.conf"
  # api, scheduler, super conductor and nova-manage: top vhost, nova_api, cell0
  nova_conf controller nova "$(rabbit_url)" "" \
    api_database "$(dburl nova nova_api)" database "$(dburl nova nova_cell0)" > "$e/nova.conf"
  for cell in $CELLS; do  # cell conductors
    nova_conf "conductor-$cell" "conductor-$cell" "$(rabbit_url "$cell")" "" \
      api_database "$(dburl nova nova_api)" database "$(dburl nova "nova_$cell")" > "$e/nova-$cell.conf"
  done
  for c in $COMPUTES; do  # computes: their cell's vhost; [database] only says which cell (DB access is blocked in nova-compute)
    n=${c%%:*}; cell=${c#*:}
    nova_conf "$n" "nova-$n" "$(rabbit_url "$cell")" \
      "compute_driver = bed_fake_driver.StableFakeDriver
instances_path = $BED_IN/data/nova-$n/instances" \
      database "$(dburl nova "nova_$cell")" > "$e/nova-$n.conf"
    mkdir -p "$BED_OUT/data/nova-$n/instances"
  done
}

write_cinder_conf() {
  backup_once "$ROOT/etc/cinder/cinder.conf"
  { cat <<EOI
[DEFAULT]
debug = true
host = controller
my_ip = 127.0.0.1
state_path = $BED_IN/data/cinder
transport_url = $(rabbit_url)
auth_strategy = keystone
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $P_CINDER
osapi_volume_workers = 1
api_paste_config = /etc/cinder/api-paste.ini
rootwrap_config = /etc/cinder/rootwrap.conf
glance_api_servers = http://127.0.0.1:$P_GLANCE
enabled_backends = fake
default_volume_type = __DEFAULT__
[database]
connection = $(dburl cinder cinder)
[oslo_concurrency]
lock_path = $BED_IN/lock/cinder
[oslo_messaging_notifications]
driver = noop
[fake]
# in-tree test driver shipped in python3-cinder: no block devices needed
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
EOI
    ksauth nova cinder; echo "interface = public"
    authtoken cinder; } > "$ROOT/etc/cinder/cinder.conf"
}

write_openrc() {
  cat > "$BED_OUT/admin-openrc" <<EOI
export OS_AUTH_URL=$KS/v3
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
export OS_USERNAME=admin
export OS_PASSWORD=$PW
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_INTERFACE=public
export OS_COMPUTE_API_VERSION=2.95
export OS_VOLUME_API_VERSION=3.70
EOI
  cp "$BED_OUT/admin-openrc" "$B/admin-openrc"
}

do_configure() {
  phase_start configure
  [ -f "$ROOT/etc/nova/api-paste.ini" ] || die "the root has no nova packages: run 'up.sh $BED install' first"
  mkdir -p "$BED_OUT"/{etc,run,logs,lock} "$BED_OUT"/data/{nova,cinder,glance/images,keystone}
  write_keystone_conf
  write_placement_conf
  write_glance_conf
  write_nova_confs
  write_cinder_conf
  install -m 0755 "$HERE/$BED/fake-neutron.py" "$BED_OUT/fake-neutron.py"
  # nova loads compute_driver only from the nova.virt package
  install -m 0644 "$HERE/$BED/bed_fake_driver.py" "$ROOT/usr/lib/python3/dist-packages/nova/virt/bed_fake_driver.py"
  write_openrc
  say "configs: $ROOT/etc/{keystone,placement,glance,nova,cinder}; openrc: $B/admin-openrc"
  phase_end
}
