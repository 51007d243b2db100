// DESIGN.md section 7: where a deployment keeps volume attachments, and how the runbooks read and
// clean them (drp for every mapped attachment, iscsi-cleanup for one volume). Detected from
// information_schema; a layout we do not know stops the run.
import { UsageError } from '../../src/engine/errors.js';
import { showList } from '../../src/values/show-value.js';
import type { DbName, SqlOperation, SqlParam } from '../../src/operations/types.js';
import { workingCells, type Cell } from '../../src/operations/cells.js';
import { everyCell } from './cells.js';
import { readVolumeSide } from './attachment-reads.js';
import type { SchemaFlavour } from './flavours.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';

/** One volume attachment to clean: the volume, the instance it was attached to (and where). */
export interface Attachment {
  volumeId: string;
  instanceUuid: string;
  device?: string | null;
  /** The database of the instance's cell, which holds its block device mappings ('nova' unless given). */
  db?: DbName;
}

export type { SchemaFlavour };

const COLUMNS_SQL =
  'SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()';

type Tables = Map<string, Set<string>>;

async function tablesOf(ctx: StepContext, db: DbName, cell?: string): Promise<Tables> {
  const what = db === 'nova' || db === 'cinder' ? `the ${db} schema` : `the nova schema of cell ${cell ?? db}`;
  const { rows = [] } = await ctx.read(selectRows(db, `read ${what}`, COLUMNS_SQL));
  const tables: Tables = new Map();
  for (const row of rows) {
    const table = String(row.table_name);
    if (!tables.has(table)) tables.set(table, new Set());
    tables.get(table)!.add(String(row.column_name));
  }
  return tables;
}

function has(tables: Tables, table: string, columns: string[]): boolean {
  const found = tables.get(table);
  return !!found && columns.every((c) => found.has(c));
}

// The columns detectFlavour looks for in the tables the message describes (message only): listed
// first, so the list cut by showList still shows which of them a schema has.
const LOOKED_FOR: Record<string, readonly string[]> = {
  volumes: ['id', 'status', 'attach_status', 'deleted', 'instance_uuid', 'mountpoint', 'attached_host', 'instance_id'],
  volume_attachment: ['id', 'volume_id', 'instance_uuid', 'mountpoint', 'attach_status', 'deleted'],
  block_device_mapping: ['id', 'instance_uuid', 'volume_id', 'device_name', 'boot_index', 'deleted', 'deleted_at'],
};

/** `table(col, col, … (N more))`: the columns detection looks for first, the list cut by showList. */
function describe(tables: Tables, table: string): string {
  const found = tables.get(table);
  if (!found) return `no ${table} table`;
  const sorted = [...found].sort();
  const wanted = new Set(LOOKED_FOR[table] ?? []);
  const ordered = [...sorted.filter((c) => wanted.has(c)), ...sorted.filter((c) => !wanted.has(c))];
  return `${table}(${showList(ordered)})`;
}

/** The flavour of cinder with one cell's nova tables, or why neither form fits. */
function flavourOf(cinder: Tables, nova: Tables): SchemaFlavour | undefined {
  const bdm = ['id', 'instance_uuid', 'volume_id', 'device_name', 'boot_index', 'deleted', 'deleted_at'];
  if (
    has(cinder, 'volumes', ['id', 'status', 'attach_status', 'deleted']) &&
    has(cinder, 'volume_attachment', ['id', 'volume_id', 'instance_uuid', 'mountpoint', 'attach_status', 'deleted']) &&
    has(nova, 'block_device_mapping', bdm) &&
    has(nova, 'instances', ['uuid', 'host', 'deleted'])
  ) {
    return 'modern';
  }
  if (
    has(cinder, 'volumes', ['id', 'status', 'attach_status', 'instance_uuid', 'mountpoint', 'attached_host', 'deleted']) &&
    has(nova, 'block_device_mapping', bdm)
  ) {
    return 'cinder-columns';
  }
  if (has(nova, 'volumes', ['id', 'instance_id', 'mountpoint', 'status', 'attach_status']) && has(nova, 'instances', ['id', 'uuid', 'host'])) {
    return 'nova-volume';
  }
  return undefined;
}

/** The working cells that answer: what a runbook with no cell of its own detects the schema in. */
function answeringCells(ctx: StepContext): Cell[] {
  const cells = workingCells(ctx.cells).filter((c) => ctx.cells.unreachable[c.name] === undefined);
  return cells.length > 0 ? cells : everyCell(ctx, 'the schema is read from the cell databases');
}

/**
 * The flavour of cinder with the nova tables of `cells` (each must agree with the others: one
 * statement form cleans them all). nova-volume predates cells v2: a mapped cloud never has it.
 */
export async function detectFlavour(ctx: StepContext, cells: readonly Cell[] = answeringCells(ctx)): Promise<SchemaFlavour> {
  const [cinder, ...novas] = await Promise.all([tablesOf(ctx, 'cinder'), ...cells.map((c) => tablesOf(ctx, c.db, c.name))]);
  const found = cells.map((cell, i) => ({ cell, nova: novas[i], flavour: flavourOf(cinder, novas[i]) }));
  const named = ctx.cells.mapped;
  const unknown = found.find((f) => f.flavour === undefined);
  if (unknown) {
    throw new UsageError(
      `unrecognised schema${named ? ` in cell ${unknown.cell.name} (${unknown.cell.where})` : ''}: cinder has ${describe(cinder, 'volumes')}, ${describe(cinder, 'volume_attachment')}; ` +
        `nova has ${describe(unknown.nova, 'block_device_mapping')}, ${describe(unknown.nova, 'volumes')}`,
      'novaops knows modern Cinder (volumes + volume_attachment), Cinder with attachment columns on volumes, and legacy nova-volume; check [database] connection in nova.conf/cinder.conf points at the right schemas' +
        (named ? ", and the cell's database_connection in nova_api.cell_mappings (or databases.cells in the config)" : ''),
    );
  }
  const flavours = [...new Set(found.map((f) => f.flavour!))];
  if (flavours.length > 1) {
    throw new UsageError(
      `the cells' schemas disagree: ${found.map((f) => `cell ${f.cell.name} (${f.cell.where}) reads as ${f.flavour}`).join(', ')}`,
      'every cell database must be at the same nova schema version (`nova-manage db sync` on each cell); check that each cell mapping points at a nova cell database',
    );
  }
  if (flavours[0] === 'nova-volume' && named) {
    throw new UsageError(
      `cell ${found[0].cell.name} (${found[0].cell.where}) has the nova-volume schema (volumes kept in nova), which predates cells v2, yet nova_api maps cells`,
      'check that the cell mappings (or databases.cells in the config) point at the cell databases of this cloud; a nova-volume cloud has no API database: leave [api_database] out of the config',
    );
  }
  return flavours[0];
}

export { readAttachments, type DbAttachment } from './attachment-reads.js';

const NOW = 'UTC_TIMESTAMP()';

function pairList(entries: readonly Attachment[]): { sql: string; params: SqlParam[] } {
  return {
    sql: `(volume_id, instance_uuid) IN (${entries.map(() => '(?, ?)').join(', ')})`,
    params: entries.flatMap((e) => [e.volumeId, e.instanceUuid]),
  };
}

function idList(ids: readonly SqlParam[]): string {
  return `id IN (${ids.map(() => '?').join(', ')})`;
}

/** A summary's "in cell NAME", for a cell database of a mapped cloud (nothing for the one `nova`). */
function inCell(db: DbName): string {
  return db.startsWith('cell:') ? ` in cell ${db.slice('cell:'.length)}` : '';
}

/** The cell databases of `entries` ('nova' for an entry that names none), in commit order. */
function byCellDb<T extends Attachment>(entries: readonly T[]): [DbName, T[]][] {
  const groups = new Map<DbName, T[]>();
  for (const e of entries) groups.set(e.db ?? 'nova', [...(groups.get(e.db ?? 'nova') ?? []), e]);
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

/** Scope of a set of pairs: test mode checks that every operation targets the chosen instance. */
function targetOf(entries: readonly Attachment[]): { instance?: string; volume?: string } {
  const instances = new Set(entries.map((e) => e.instanceUuid));
  return { instance: instances.size === 1 ? entries[0].instanceUuid : undefined, volume: entries.length === 1 ? entries[0].volumeId : undefined };
}

/** Nova's block_device_mapping rows of the pairs: one statement per cell, in that cell's database. */
function bdmOps(entries: readonly Attachment[]): SqlOperation[] {
  return byCellDb(entries).map(([db, own]) => {
    const pairs = pairList(own);
    return updateRows(
      db,
      `soft-delete Nova's block_device_mapping rows of ${own.length} attachment(s)${inCell(db)} (never a boot volume's)`,
      `UPDATE block_device_mapping SET deleted = id, deleted_at = ${NOW} WHERE deleted = 0 AND (boot_index IS NULL OR boot_index <> 0) AND ${pairs.sql}`,
      pairs.params,
      targetOf(own),
      { table: 'block_device_mapping', key: 'id', where: `deleted = 0 AND ${pairs.sql}`, params: pairs.params },
    );
  });
}

/**
 * The statements that clean a set of captured (volume, instance) pairs, in the detected form:
 * set-based, so a thousand attachments cost a handful of statements, not thousands.
 */
export function cleanupOps(flavour: SchemaFlavour, entries: readonly Attachment[]): SqlOperation[] {
  // Test mode checks that every operation targets the chosen instance; a chunk of one instance's pairs does.
  const target = targetOf(entries);
  const n = `${entries.length} attachment(s)`;
  const pairs = pairList(entries);
  const volumeIds = [...new Set(entries.map((e) => e.volumeId))];
  const bdm = bdmOps(entries);
  switch (flavour) {
    case 'modern':
      return [
        updateRows(
          'cinder',
          `detach and soft-delete Cinder's attachment rows of ${n}`,
          `UPDATE volume_attachment SET attach_status = 'detached', detach_time = ${NOW}, deleted = 1, deleted_at = ${NOW} WHERE deleted = 0 AND ${pairs.sql}`,
          pairs.params,
          target,
          { table: 'volume_attachment', key: 'id', where: `deleted = 0 AND ${pairs.sql}`, params: pairs.params },
        ),
        // A multi-attach volume stays in-use while another instance still holds it.
        updateRows(
          'cinder',
          `mark ${volumeIds.length} volume(s) available/detached where no attachment is left`,
          `UPDATE volumes SET status = 'available', attach_status = 'detached', updated_at = ${NOW} WHERE ${idList(volumeIds)} AND status <> 'error_deleting' AND NOT EXISTS (SELECT 1 FROM volume_attachment a WHERE a.volume_id = volumes.id AND a.deleted = 0)`,
          volumeIds,
          target,
          { table: 'volumes', key: 'id', where: idList(volumeIds), params: volumeIds },
        ),
        ...bdm,
      ];
    case 'cinder-columns': {
      const own = { sql: `(id, instance_uuid) IN (${entries.map(() => '(?, ?)').join(', ')})`, params: pairs.params };
      return [
        updateRows(
          'cinder',
          `clean the attachment columns of ${n}`,
          `UPDATE volumes SET status = IF(status = 'error_deleting', status, 'available'), attach_status = 'detached', mountpoint = NULL, instance_uuid = NULL, attached_host = NULL, updated_at = ${NOW} WHERE ${own.sql}`,
          own.params,
          target,
          { table: 'volumes', key: 'id', where: own.sql, params: own.params },
        ),
        ...bdm,
      ];
    }
    case 'nova-volume': {
      // The guide's four statements, narrowed to the captured volumes (its own per-volume form).
      const ids = volumeIds.map(Number);
      const backup = { table: 'volumes', key: 'id', where: idList(ids), params: ids };
      const v = (summary: string, sql: string) => updateRows('nova', summary, sql, ids, target, backup);
      return [
        v(`set mountpoint NULL on ${ids.length} volume(s)`, `UPDATE volumes SET mountpoint = NULL WHERE ${idList(ids)}`),
        v(`set ${ids.length} volume(s) available`, `UPDATE volumes SET status = 'available' WHERE status <> 'error_deleting' AND ${idList(ids)}`),
        v(`set ${ids.length} volume(s) detached`, `UPDATE volumes SET attach_status = 'detached' WHERE ${idList(ids)}`),
        v(`clear the instance of ${ids.length} volume(s)`, `UPDATE volumes SET instance_id = 0 WHERE ${idList(ids)}`),
      ];
    }
  }
}

/**
 * What is left to clean after the commit, read back: live attachment rows or BDMs of a cleaned
 * pair, and cleaned volumes that are not available/detached although nothing holds them.
 */
export async function cleanupLeftovers(ctx: StepContext, flavour: SchemaFlavour, entries: Attachment[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const volumeSide = await readVolumeSide(ctx, flavour, ctx.scope.instance?.uuid);
  const live = new Set(volumeSide.map((r) => `${r.volume_id}|${r.instance_uuid}`));
  const left: string[] = entries.filter((e) => live.has(`${e.volumeId}|${e.instanceUuid}`)).map((e) => `${e.volumeId} on ${e.instanceUuid}`);
  if (flavour !== 'nova-volume') {
    // A pair's BDM can only be in its instance's cell: each cell the pairs name is read, no other.
    for (const [db, own] of byCellDb(entries)) {
      const { rows = [] } = await ctx.read(
        selectRows(db, `read live volume block device mappings${inCell(db)}`, 'SELECT volume_id, instance_uuid FROM block_device_mapping WHERE deleted = 0 AND volume_id IS NOT NULL'),
      );
      const bdm = new Set(rows.map((r) => `${r.volume_id}|${r.instance_uuid}`));
      for (const e of own) if (bdm.has(`${e.volumeId}|${e.instanceUuid}`)) left.push(`BDM of ${e.volumeId} on ${e.instanceUuid}${inCell(db)}`);
    }
  }
  const ids = [...new Set(entries.map((e) => e.volumeId))];
  const holders: Record<SchemaFlavour, { db: 'nova' | 'cinder'; sql: string }> = {
    modern: { db: 'cinder', sql: 'SELECT v.id, v.status, v.attach_status, (SELECT COUNT(*) FROM volume_attachment a WHERE a.volume_id = v.id AND a.deleted = 0) AS holders FROM volumes v WHERE v.' },
    'cinder-columns': { db: 'cinder', sql: 'SELECT id, status, attach_status, IF(instance_uuid IS NULL, 0, 1) AS holders FROM volumes WHERE ' },
    'nova-volume': { db: 'nova', sql: 'SELECT id, status, attach_status, IF(instance_id = 0 AND mountpoint IS NULL, 0, 1) AS holders FROM volumes WHERE ' },
  };
  const { db, sql } = holders[flavour];
  const { rows = [] } = await ctx.read(selectRows(db, 'read back the cleaned volumes', `${sql}${idList(ids)}`, flavour === 'nova-volume' ? ids.map(Number) : ids));
  for (const row of rows) {
    const free = Number(row.holders) === 0;
    const clean = (row.status === 'available' || row.status === 'error_deleting') && row.attach_status === 'detached';
    if (free && !clean) left.push(`volume ${String(row.id)} is ${String(row.status)}/${String(row.attach_status)} with nothing attached`);
  }
  return left;
}
