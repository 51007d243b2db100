# Phase install: a trixie root file system (debootstrap) with Debian's OpenStack 2025.1 packages.

MIRROR_DEFAULT=http://deb.debian.org/debian
# The mirror this machine's own apt sources name (deb822 "URIs:" or one-line "deb URL"), so that the
# bed reaches the archive exactly as the host does.
host_mirror() {
  local m
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -E '/debian/?$' | head -1)
  [ -n "$m" ] || m=$(grep -hsE '^deb +(\[[^]]*\] +)?https?://[^ ]*/debian/? ' /etc/apt/sources.list 2>/dev/null \
        | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' | head -1)
  echo "${m:-$MIRROR_DEFAULT}"
}

PKGS="python3-pymysql memcached python3-memcache
 keystone python3-openstackclient python3-keystoneclient
 placement-api python3-osc-placement
 nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic python3-novaclient
 cinder-api cinder-scheduler cinder-volume python3-cinderclient
 glance-api python3-glanceclient
 uwsgi-core uwsgi-plugin-python3 qemu-utils curl"

# Mounts the daemons need inside the root. /dev is bound recursively and made a slave so that
# unmounting it inside never unmounts anything on the host.
mount_root() {
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  mountpoint -q "$ROOT/sys"  || mount -t sysfs sysfs "$ROOT/sys"
  if ! mountpoint -q "$ROOT/dev"; then mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"; fi
}

do_install() {
  phase_start install
  local t mirror
  mirror=$(host_mirror)
  if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -f "$ROOT/.debootstrap-done" ]; then
    command -v debootstrap >/dev/null || apt-get install -y debootstrap >"$B/apt-debootstrap.log" 2>&1 \
      || die "debootstrap is missing and 'apt-get install debootstrap' failed (see $B/apt-debootstrap.log)"
    t=$(date +%s)
    mkdir -p "$ROOT"
    debootstrap --variant=minbase "$SUITE" "$ROOT" "$mirror" >"$B/debootstrap.log" 2>&1 \
      || { tail -20 "$B/debootstrap.log"; die "debootstrap $SUITE failed (log: $B/debootstrap.log)"; }
    touch "$ROOT/.debootstrap-done"
    say "debootstrap $SUITE from $mirror: $(( $(date +%s)-t ))s"
    echo "$(date -Is) debootstrap $(( $(date +%s)-t ))s" >> "$TIMES"
  else
    say "root file system already at $ROOT"
  fi
  mkdir -p "$LOG" "$RUN" "$BED_OUT"/{etc,data,lock}
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  mount_root
  # exit 101 keeps the maintainer scripts from starting daemons inside the root
  printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
  # skip dbconfig-common, keystone bootstrap and endpoint registration in the postinsts
  in_root debconf-set-selections <<'EOS'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
nova-common nova/configure_db boolean false
nova-api nova/configure_api-endpoint boolean false
nova-common nova/configure_rabbit boolean false
nova-common nova/configure_ksat boolean false
nova-common nova/configure_placement boolean false
nova-common nova/configure_neutron boolean false
placement-common placement/configure_db boolean false
placement-api placement/configure_ksat boolean false
placement-api placement/register-endpoint boolean false
cinder-common cinder/configure_db boolean false
cinder-common cinder/configure_rabbit boolean false
cinder-common cinder/configure_ksat boolean false
cinder-api cinder/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-api glance/configure_ksat boolean false
glance-api glance/register-endpoint boolean false
dbconfig-common dbconfig-common/dbconfig-install boolean false
EOS
  local missing="" p
  for p in $PKGS; do
    in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    t=$(date +%s)
    in_root apt-get update >"$LOG/apt-update.log" 2>&1 || die "apt-get update inside the root failed ($LOG/apt-update.log)"
    # shellcheck disable=SC2086
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing >"$LOG/apt-install.log" 2>&1 \
      || { tail -30 "$LOG/apt-install.log"; die "apt-get install inside the root failed ($LOG/apt-install.log)"; }
    say "apt-get install ($(echo $missing | wc -w) packages + dependencies): $(( $(date +%s)-t ))s"
    echo "$(date -Is) apt-install $(( $(date +%s)-t ))s" >> "$TIMES"
  else
    say "all packages already installed"
  fi
  in_root dpkg-query -W -f='${Package} ${Version}\n' python3-nova python3-cinder python3-keystone \
      python3-placement python3-glance python3-openstackclient | tee "$BED_OUT/versions.txt"
  phase_end
}
