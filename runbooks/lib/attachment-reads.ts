// The volume attachments the databases record (DESIGN.md section 7): Cinder's rows (or
// nova-volume's), joined with the block device mappings Nova keeps in each cell's database. drp
// reads every cell or none (a map missing a cell would leave its volumes detached); a rehearsal
// reads only its instance's cell.
import type { StepContext } from '../../src/engine/runbook.js';
import type { Cell } from '../../src/operations/cells.js';
import { selectRows } from '../../src/operations/sql.js';
import type { Row, SqlParam } from '../../src/operations/types.js';
import { cellOfInstance, cellsOfInstances, everyCell } from './cells.js';
import type { SchemaFlavour } from './flavours.js';

/** An attachment as the databases record it, before scoping and boot-volume filtering. */
export interface DbAttachment {
  volumeId: string;
  instanceUuid: string;
  device: string | null;
  volumeStatus: string;
  multiattach: boolean;
  bootIndex: number | null;
  attachmentId: string | null;
  /** The cell whose database holds the instance and its mappings; null when nova_api maps the instance to none. */
  cell: string | null;
}

/** A live block device mapping of a volume, as the cell's database holds it (whatever Cinder says). */
export interface DbBdm {
  volumeId: string;
  instanceUuid: string;
  device: string | null;
  bootIndex: number | null;
  attachmentId: string | null;
  cell: string;
}

export const EVERY_CELL = 'drp maps the attachments of every cell or of none: a map without a cell would leave its volumes detached';

/** The cells an attachment read covers: the instance's own, or every working cell (each must answer). */
export async function attachmentCells(ctx: StepContext, instance?: string): Promise<Cell[]> {
  return instance ? [await cellOfInstance(ctx, instance)] : everyCell(ctx, EVERY_CELL);
}

/**
 * The live attachments as the volume side records them: Cinder's (modern, cinder-columns), or the
 * volumes table of nova-volume (which predates cells: only the one `nova` database has it).
 */
export async function readVolumeSide(ctx: StepContext, flavour: SchemaFlavour, instance?: string): Promise<Row[]> {
  const scope = instance ? ' AND a.instance_uuid = ?' : '';
  const params: SqlParam[] = instance ? [instance] : [];
  if (flavour === 'nova-volume') {
    const { rows = [] } = await ctx.read(
      selectRows(
        'nova',
        'read attached volumes (nova-volume)',
        `SELECT v.id AS volume_id, i.uuid AS instance_uuid, v.mountpoint, NULL AS attachment_id, v.status, 0 AS multiattach FROM volumes v JOIN instances i ON i.id = v.instance_id WHERE v.deleted = 0 AND v.attach_status = 'attached'${instance ? ' AND i.uuid = ?' : ''}`,
        params,
      ),
    );
    return rows;
  }
  const sql =
    flavour === 'modern'
      ? `SELECT a.volume_id, a.instance_uuid, a.mountpoint, a.id AS attachment_id, v.status, v.multiattach FROM volume_attachment a JOIN volumes v ON v.id = a.volume_id WHERE a.deleted = 0 AND v.deleted = 0 AND a.attach_status = 'attached'${scope}`
      : `SELECT a.id AS volume_id, a.instance_uuid, a.mountpoint, NULL AS attachment_id, a.status, 0 AS multiattach FROM volumes a WHERE a.deleted = 0 AND a.attach_status = 'attached'${scope}`;
  const { rows = [] } = await ctx.read(selectRows('cinder', 'read attached volumes (cinder)', sql, params));
  return rows;
}

function readBdms(ctx: StepContext, cell: Cell, instance?: string) {
  return ctx.read(
    selectRows(
      cell.db,
      `read volume block device mappings (${cell.db === 'nova' ? 'nova' : `cell ${cell.name}`})`,
      `SELECT b.volume_id, b.instance_uuid, b.device_name, b.boot_index, b.attachment_id FROM block_device_mapping b WHERE b.deleted = 0 AND b.volume_id IS NOT NULL${instance ? ' AND b.instance_uuid = ?' : ''}`,
      instance ? [instance] : [],
    ),
  );
}

/**
 * Every live attachment of `cells` (by default: the instance's cell, or every working cell), each
 * with its mount point, boot index and cell. The cell is the one whose database holds the BDM; an
 * attachment with no BDM anywhere takes its instance's cell from nova_api.
 */
export async function readAttachments(ctx: StepContext, flavour: SchemaFlavour, instance?: string, cells?: readonly Cell[]): Promise<DbAttachment[]> {
  return (await readAttachmentsAndBdms(ctx, flavour, instance, cells)).attachments;
}

/** readAttachments, and the live volume BDMs it read on the way (none on nova-volume, which has none). */
export async function readAttachmentsAndBdms(
  ctx: StepContext,
  flavour: SchemaFlavour,
  instance?: string,
  cells?: readonly Cell[],
): Promise<{ attachments: DbAttachment[]; bdms: DbBdm[] }> {
  const where = cells ?? (await attachmentCells(ctx, instance));
  const [volumeRows, ...bdmReads] = await Promise.all([
    readVolumeSide(ctx, flavour, instance),
    ...(flavour === 'nova-volume' ? [] : where.map((c) => readBdms(ctx, c, instance))),
  ]);
  const bdms = new Map<string, { row: Row; cell: string }>();
  bdmReads.forEach((read, i) => {
    for (const row of read.rows ?? []) bdms.set(`${row.volume_id}|${row.instance_uuid}`, { row, cell: where[i].name });
  });
  const unplaced = [...new Set(volumeRows.filter((r) => !bdms.has(`${r.volume_id}|${r.instance_uuid}`)).map((r) => String(r.instance_uuid)))];
  // One cell read, and the instance (or the whole cloud) in it: no mapping to look up.
  const single = where.length === 1 && (!ctx.cells.mapped || instance !== undefined);
  const mapped = unplaced.length === 0 || single ? new Map<string, Cell>() : await cellsOfInstances(ctx, unplaced);
  const attachments = volumeRows.map((r) => {
    const found = bdms.get(`${r.volume_id}|${r.instance_uuid}`);
    const bdm = found?.row;
    return {
      volumeId: String(r.volume_id),
      instanceUuid: String(r.instance_uuid),
      device: ((bdm?.device_name ?? r.mountpoint) as string | null) ?? null,
      volumeStatus: String(r.status),
      multiattach: Boolean(Number(r.multiattach)),
      bootIndex: bdm?.boot_index === null || bdm?.boot_index === undefined ? null : Number(bdm.boot_index),
      attachmentId: (r.attachment_id as string | null) ?? null,
      cell: found?.cell ?? (single ? where[0].name : (mapped.get(String(r.instance_uuid))?.name ?? null)),
    };
  });
  return { attachments, bdms: [...bdms.values()].map(({ row, cell }) => bdmOf(row, cell)) };
}

function bdmOf(row: Row, cell: string): DbBdm {
  return {
    volumeId: String(row.volume_id),
    instanceUuid: String(row.instance_uuid),
    device: (row.device_name as string | null) ?? null,
    bootIndex: row.boot_index === null || row.boot_index === undefined ? null : Number(row.boot_index),
    attachmentId: (row.attachment_id as string | null) ?? null,
    cell,
  };
}
