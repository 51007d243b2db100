# Phase dbsync: the real schemas, cell0 and the two cells. nova-manage reads /etc/nova/nova.conf
# (api DB + cell0); a cell's own schema is synced with that cell's config file.

sync_step() { # sync_step NAME CMD...: run inside the root, log, time; a failure stops up.sh
  local n=$1 t; shift; t=$(date +%s)
  in_root "$@" >>"$LOG/dbsync-$n.log" 2>&1 || { tail -20 "$LOG/dbsync-$n.log"; die "$n failed (log: $LOG/dbsync-$n.log)"; }
  say "$n: $(( $(date +%s)-t ))s"
}
cells_list() { in_root nova-manage cell_v2 list_cells --verbose 2>/dev/null; }

do_dbsync() {
  phase_start dbsync
  local cell
  sync_step keystone keystone-manage db_sync
  sync_step placement placement-manage db sync
  sync_step nova-api nova-manage api_db sync
  cells_list | grep -q ' cell0 ' || \
    sync_step map-cell0 nova-manage cell_v2 map_cell0 --database_connection "$(dburl nova nova_cell0)"
  for cell in $CELLS; do
    cells_list | grep -q " $cell " || sync_step "create-$cell" nova-manage cell_v2 create_cell --name "$cell" \
        --database_connection "$(dburl nova "nova_$cell")" --transport-url "$(rabbit_url "$cell")" --verbose
  done
  sync_step nova-cell0 nova-manage db sync
  for cell in $CELLS; do sync_step "nova-$cell" nova-manage --config-file "/etc/nova/nova-$cell.conf" db sync; done
  sync_step cinder cinder-manage db sync
  sync_step glance glance-manage db_sync
  cells_list | tee "$BED_OUT/cells.txt"
  mkdir -p "$BED_OUT/schema"
  for cell in nova_api nova_cell0 $(for c in $CELLS; do echo "nova_$c"; done) cinder placement; do
    mysqldump -uroot -h127.0.0.1 --no-data --skip-comments "${DBP}$cell" | grep -v '^/\*M!999999' > "$BED_OUT/schema/$cell.sql"
  done
  mysql_q "SELECT table_schema, COUNT(*) FROM information_schema.tables WHERE table_schema LIKE '${DBP//_/\\_}%' GROUP BY table_schema"
  phase_end
}
