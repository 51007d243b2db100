// One volume as the databases record it, in the detected schema flavour (DESIGN section 7): its
// status, the IQNs its target may carry, and its attachments (Cinder's and Nova's rows). Nova's
// block device mappings are read in the cells of the instances Cinder attaches it to (nova_api's
// instance_mappings) and in the host's own cell, where a mapping Cinder no longer knows of an
// instance of this host is: no other cell is read, and one of them that does not answer is named.
import type { StepContext } from '../../src/engine/runbook.js';
import { selectRows } from '../../src/operations/sql.js';
import type { Row } from '../../src/operations/types.js';
import { providerLocationIqn } from '../../src/operations/iscsi.js';
import type { SchemaFlavour } from '../lib/schema-flavour.js';
import { cellsOfInstances } from '../lib/cells.js';
import type { Cell } from '../../src/operations/cells.js';

export interface VolumeRecord {
  id: string;
  name: string | null;
  status: string;
  attachStatus: string;
  /** Ids its target name may carry: its id, Cinder's _name_id after a migration. */
  nameIds: string[];
  providerIqn?: string;
  /**
   * Live attachment rows (Cinder's, or nova-volume's instance_id) and BDM rows: instance, host if
   * recorded, boot index, and the cell holding the instance (the name; `nova` in a cloud of one unmapped cell).
   */
  attachments: { instanceUuid: string; attachedHost: string | null; bootIndex: number | null; cell: string }[];
  /** Cells an attached instance is in whose database did not answer: their mappings were not read. */
  unread: string[];
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The volume with this id, or — when `byIqnPart` — the one whose target name carries this id part. */
export async function readVolume(ctx: StepContext, flavour: SchemaFlavour, hostCell: Cell, ref: { id?: string; iqnPart?: string }): Promise<VolumeRecord | undefined> {
  if (flavour === 'nova-volume') return readLegacy(ctx, ref);
  const where = ref.id !== undefined ? 'id = ?' : 'id = ? OR _name_id = ?';
  const params = ref.id !== undefined ? [ref.id] : [ref.iqnPart!, ref.iqnPart!];
  const extra = flavour === 'cinder-columns' ? ', instance_uuid, attached_host' : '';
  const full = await ctx.tryRead(
    selectRows('cinder', 'read the volume', `SELECT id, display_name, status, attach_status, provider_location, _name_id${extra} FROM volumes WHERE deleted = 0 AND (${where})`, params),
  );
  let rows: Row[] = full.rows ?? [];
  if (!full.ok) {
    // A schema without _name_id / provider_location: by id only.
    if (ref.id === undefined && !/^[0-9a-f-]{36}$/i.test(ref.iqnPart ?? '')) return undefined;
    rows = (await ctx.read(selectRows('cinder', 'read the volume', `SELECT id, display_name, status, attach_status${extra} FROM volumes WHERE deleted = 0 AND id = ?`, [ref.id ?? ref.iqnPart!]))).rows ?? [];
  }
  if (rows.length !== 1) return undefined;
  const v = rows[0];
  const id = String(v.id);
  const attachments: VolumeRecord['attachments'] = [];
  if (flavour === 'modern') {
    const { rows: att = [] } = await ctx.read(
      selectRows('cinder', `read the attachments of volume ${id}`, "SELECT instance_uuid, attached_host FROM volume_attachment WHERE deleted = 0 AND volume_id = ? AND attach_status <> 'detached'", [id], { volume: id }),
    );
    for (const a of att) if (a.instance_uuid) attachments.push({ instanceUuid: String(a.instance_uuid), attachedHost: str(a.attached_host), bootIndex: null, cell: hostCell.name });
  } else if (v.instance_uuid) {
    attachments.push({ instanceUuid: String(v.instance_uuid), attachedHost: str(v.attached_host), bootIndex: null, cell: hostCell.name });
  }
  const unread = await readBdms(ctx, id, hostCell, attachments);
  return {
    id,
    name: str(v.display_name),
    status: String(v.status),
    attachStatus: String(v.attach_status),
    nameIds: [id, ...(v._name_id ? [String(v._name_id)] : [])],
    providerIqn: providerLocationIqn(str(v.provider_location)),
    attachments,
    unread,
  };
}

/**
 * Completes `attachments` with the volume's block device mappings (boot index, and the ones only
 * Nova records) from the host's cell and the cells of the attached instances; returns the cells
 * that did not answer. An instance nova_api maps to no cell stays in the host's.
 */
async function readBdms(ctx: StepContext, id: string, hostCell: Cell, attachments: VolumeRecord['attachments']): Promise<string[]> {
  const mapped = await cellsOfInstances(ctx, attachments.map((a) => a.instanceUuid));
  for (const a of attachments) a.cell = mapped.get(a.instanceUuid)?.name ?? hostCell.name;
  const cells = [hostCell, ...mapped.values()].filter((c, i, all) => all.findIndex((x) => x.name === c.name) === i);
  const unread = cells.filter((c) => ctx.cells.unreachable[c.name] !== undefined).map((c) => c.name);
  for (const cell of cells.filter((c) => !unread.includes(c.name))) {
    const { rows: bdms = [] } = await ctx.read(
      selectRows(
        cell.db,
        `read the block device mappings of volume ${id}${cell.db === 'nova' ? '' : ` in cell ${cell.name}`}`,
        'SELECT instance_uuid, boot_index FROM block_device_mapping WHERE deleted = 0 AND volume_id = ?',
        [id],
        { volume: id },
      ),
    );
    for (const b of bdms) {
      const uuid = String(b.instance_uuid);
      const bootIndex = b.boot_index === null || b.boot_index === undefined ? null : Number(b.boot_index);
      const known = attachments.find((a) => a.instanceUuid === uuid);
      if (known) known.bootIndex = bootIndex;
      else attachments.push({ instanceUuid: uuid, attachedHost: null, bootIndex, cell: cell.name });
    }
  }
  return unread;
}

async function readLegacy(ctx: StepContext, ref: { id?: string; iqnPart?: string }): Promise<VolumeRecord | undefined> {
  let id = ref.id;
  if (id === undefined) {
    // nova-volume names its targets volume-%08x (volume_name_template = volume-%08x).
    if (!/^[0-9a-f]{8}$/i.test(ref.iqnPart ?? '')) return undefined;
    id = String(parseInt(ref.iqnPart!, 16));
  }
  if (!/^\d+$/.test(id)) return undefined;
  const { rows = [] } = await ctx.read(
    selectRows(
      'nova',
      'read the volume (nova-volume)',
      'SELECT v.id, v.display_name, v.status, v.attach_status, v.provider_location, v.instance_id, i.uuid AS instance_uuid, i.host FROM volumes v LEFT JOIN instances i ON i.id = v.instance_id WHERE v.deleted = 0 AND v.id = ?',
      [Number(id)],
      { volume: id },
    ),
  );
  if (rows.length !== 1) return undefined;
  const v = rows[0];
  return {
    id: String(v.id),
    name: str(v.display_name),
    status: String(v.status),
    attachStatus: String(v.attach_status),
    nameIds: [String(v.id)],
    providerIqn: providerLocationIqn(str(v.provider_location)),
    attachments: v.instance_uuid ? [{ instanceUuid: String(v.instance_uuid), attachedHost: str(v.host), bootIndex: null, cell: 'nova' }] : [],
    unread: [],
  };
}
