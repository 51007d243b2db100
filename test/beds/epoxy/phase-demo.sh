# Phase demo: flavors, an image, servers with volumes in each cell, a boot-from-volume server, a
# server of the non-admin demo project, and one inconsistency for the runbooks to find.
# Cell of each server = cell of the compute it is forced onto (compute1: cell1, compute2: cell2).

DEMO_SERVERS="vm1:compute1 vm3:compute1 vm2:compute2 vm4:compute2"
DEMO_ATTACH="vol1:vm1 vol3:vm3 vol2:vm2 vol4:vm4"

demo_image() {
  osc image show tiny >/dev/null 2>&1 && return 0
  [ -f "$BED_OUT/data/tiny.img" ] || in_root qemu-img create -f qcow2 "$BED_IN/data/tiny.img" 16M >/dev/null
  # hw_disk_bus/root_device_name make nova name disks /dev/vdX (FakeDriver's default is /dev/sdX)
  osc image create --disk-format qcow2 --container-format bare --public --file "$BED_IN/data/tiny.img" \
     --property hw_disk_bus=virtio --property root_device_name=/dev/vda tiny -f value -c id
}

do_demo() {
  phase_start demo
  local flavors servers volumes s v a t
  flavors=$(osc flavor list --all -f value -c Name)
  echo "$flavors" | grep -qx m1.nano || osc flavor create --id 42 --ram 128 --disk 1 --vcpus 1 m1.nano -f value -c id
  echo "$flavors" | grep -qx m1.tiny || osc flavor create --id 1 --ram 512 --disk 1 --vcpus 1 m1.tiny -f value -c id
  osc quota set --instances 200 --cores 400 --ram 409600 --volumes 200 --gigabytes 2000 admin
  demo_image
  servers=$(osc server list --all-projects -f value -c Name)
  for s in $DEMO_SERVERS; do
    echo "$servers" | grep -qx "${s%%:*}" && continue
    t=$(date +%s)
    osc server create --flavor m1.nano --image tiny --nic none --availability-zone "nova:${s#*:}" "${s%%:*}" -f value -c id
    wait_status server "${s%%:*}" ACTIVE 180 && say "server ${s%%:*} ACTIVE on ${s#*:} in $(( $(date +%s)-t ))s"
  done
  volumes=$(osc volume list --all-projects -f value -c Name)
  for v in vol1 vol2 vol3 vol4; do
    echo "$volumes" | grep -qx $v && continue
    osc volume create --size 1 $v -f value -c id
    wait_status volume $v available 90
  done
  if ! echo "$servers" | grep -qx bfv1; then   # boot from volume in cell2 (FakeDriver never reads it)
    echo "$volumes" | grep -qx bootvol || { osc volume create --size 1 --bootable bootvol -f value -c id; wait_status volume bootvol available 90; }
    osc server create --volume bootvol --flavor m1.nano --nic none --availability-zone nova:compute2 bfv1 -f value -c id
    wait_status server bfv1 ACTIVE 180
  fi
  if ! echo "$servers" | grep -qx demo-vm1; then   # the scheduler picks the cell
    # by id: the admin's "server show NAME" looks in the admin project only
    wait_status server "$(osc_as demo demo server create --flavor m1.nano --image tiny --nic none demo-vm1 -f value -c id)" ACTIVE 180
  fi
  for a in $DEMO_ATTACH; do
    [ "$(osc volume show "${a%%:*}" -f value -c status)" = available ] || continue
    [ -f "$BED_OUT/data/demo-scenario.done" ] && [ "${a%%:*}" = vol4 ] && continue
    t=$(date +%s)
    osc server add volume "${a#*:}" "${a%%:*}" && wait_status volume "${a%%:*}" in-use 90 && \
      say "attach ${a%%:*} -> ${a#*:} in $(( $(date +%s)-t ))s"
  done
  if [ ! -f "$BED_OUT/data/demo-scenario.done" ]; then
    say "--- cinder reset-state vol4 (attached to vm4, cell2) -> available/detached: leaves nova's BDM behind"
    rootcmd_env cinder reset-state --state available --attach-status detached vol4
    touch "$BED_OUT/data/demo-scenario.done"
  fi
  osc server list --all-projects --long -c Name -c Status -c 'Power State' -c Host
  osc volume list --all-projects -c Name -c Status -c 'Attached to'
  local cell
  for cell in $CELLS; do
    say "--- ${DBP}nova_$cell: instances and block_device_mapping"
    mysql -uroot -h127.0.0.1 -t -e "SELECT uuid,hostname,host,vm_state,power_state FROM ${DBP}nova_$cell.instances WHERE deleted=0;
      SELECT b.instance_uuid,b.device_name,b.source_type,b.volume_id,b.attachment_id FROM ${DBP}nova_$cell.block_device_mapping b WHERE b.deleted=0"
  done
  phase_end
}
