# Phase bootstrap: service project, users and roles, the catalog on the bed's own ports.

do_bootstrap() {
  phase_start bootstrap
  local cmds=$BED_OUT/run/osc-batch.txt projects users roles services u p type name url i
  : > "$cmds"
  projects=$(osc project list -f value -c Name)
  users=$(osc user list -f value -c Name)
  roles=$(osc role list -f value -c Name)
  services=$(osc service list -f value -c Type)
  for p in service demo; do echo "$projects" | grep -qx $p || echo "project create --domain default $p" >> "$cmds"; done
  echo "$roles" | grep -qx service || echo "role create service" >> "$cmds"
  echo "$roles" | grep -qx member || echo "role create member" >> "$cmds"
  for u in nova placement cinder glance; do
    echo "$users" | grep -qx $u || {
      echo "user create --domain default --password $PW $u"
      echo "role add --project service --user $u admin"
      echo "role add --project service --user $u service"; } >> "$cmds"
  done
  echo "$users" | grep -qx demo || { echo "user create --domain default --password $PW demo"; echo "role add --project demo --user demo member"; } >> "$cmds"
  while read -r type name url; do
    echo "$services" | grep -qx "$type" && continue
    echo "service create --name $name $type" >> "$cmds"
    for i in public internal admin; do echo "endpoint create --region RegionOne $type $i $url" >> "$cmds"; done
  done <<EOI
compute nova http://127.0.0.1:$P_NOVA/v2.1
placement placement http://127.0.0.1:$P_PLACEMENT
volumev3 cinderv3 http://127.0.0.1:$P_CINDER/v3/%(project_id)s
image glance http://127.0.0.1:$P_GLANCE
EOI
  if [ -s "$cmds" ]; then
    say "running $(wc -l < "$cmds") openstack commands in one batch"
    osc < "$cmds" > "$LOG/osc-batch.log" 2>&1
    grep -iE 'error|fail' "$LOG/osc-batch.log" | head
  fi
  osc endpoint list -c 'Service Type' -c Interface -c URL
  phase_end
}
