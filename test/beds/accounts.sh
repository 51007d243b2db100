#!/bin/bash
# Gives a bed's compute hosts what uid-gid tracks and a fake-driver host lacks: the user
# libvirt-qemu and the group libvirtd (system accounts, ids chosen by useradd/groupadd), a
# /var/lib/libvirt/qemu that libvirt-qemu owns, and the computes' state paths owned by nova as a
# packaged compute has them (the bed's computes run as root, so ownership changes nothing for them).
# Usage: bash test/beds/accounts.sh epoxy|zed
#   epoxy: inside the bed's root (/tmp/epoxy/root), whose /etc/passwd all its computes share.
#   zed:   on this machine, where ../shared/realstack runs its computes.
# Idempotent: an account that exists is kept with its id (uid-gid may have moved it); ownership is
# given by name, so a second run after uid-gid leaves the ids it set.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
HERE=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: bash $0 epoxy|zed" >&2; }
[ $# -eq 1 ] || { echo "accounts.sh: name the bed." >&2; usage; exit 2; }
[ "$(id -u)" = 0 ] || { echo "accounts.sh: must run as root (useradd, chown)." >&2; exit 2; }
case "$1" in
  epoxy)
    . "$HERE/epoxy/env.sh"; . "$HERE/lib/common.sh"
    [ -x "$ROOT/usr/sbin/useradd" ] || { echo "accounts.sh: no bed root at $ROOT; run 'bash test/beds/up.sh epoxy' first." >&2; exit 2; }
    run() { in_root "$@"; }
    top=$ROOT
    STATE_PATHS=$(cd "$BED_OUT/data" && ls -d nova-compute* 2>/dev/null | sed "s|^|$BED_IN/data/|") ;;
  zed)
    say() { echo "[$(date +%T)] $*"; }
    run() { "$@"; }
    top=
    STATE_PATHS=$(ls -d /tmp/ostack/data/nova-compute* 2>/dev/null) ;;
  *) echo "accounts.sh: unknown bed '$1'." >&2; usage; exit 2 ;;
esac
run getent passwd nova >/dev/null || { echo "accounts.sh: user nova is missing on the $1 bed; install its nova packages first (up.sh)." >&2; exit 2; }

if run getent group libvirtd >/dev/null; then say "group libvirtd: $(run getent group libvirtd)"
else run groupadd --system libvirtd && say "created group libvirtd: $(run getent group libvirtd)"; fi
if run getent passwd libvirt-qemu >/dev/null; then say "user libvirt-qemu: $(run getent passwd libvirt-qemu)"
else
  run useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin -g libvirtd libvirt-qemu &&
    say "created user libvirt-qemu: $(run getent passwd libvirt-qemu)"
fi
mkdir -p "$top/var/lib/libvirt/qemu"
run chown libvirt-qemu:libvirtd /var/lib/libvirt/qemu
for p in $STATE_PATHS; do run chown -R nova:nova "$p"; done
say "owned by libvirt-qemu:libvirtd: /var/lib/libvirt/qemu; by nova:nova: $(echo $STATE_PATHS)"
