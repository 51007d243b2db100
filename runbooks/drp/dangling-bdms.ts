// The preflight's look at dangling block device mappings: a live BDM of an affected instance whose
// volume Cinder holds no attachment of to that instance. drp's map comes from Cinder's attached
// rows, so such a BDM is never captured, cleaned or re-attached. From 2023.2 (nova 28) the reboot
// drp does in step 3 soft-deletes the BDM when its attachment_id is gone from Cinder (nova-compute
// logs "Removing stale volume attachment"); Nova checks no BDM without attachment_id, and one
// whose Cinder row is still there (reserved, detached) it keeps. Read-only: one Cinder read of
// the attachment ids, only when there is a dangling BDM to ask about.
import type { StepContext } from '../../src/engine/runbook.js';
import { selectRows } from '../../src/operations/sql.js';
import type { DbAttachment, DbBdm } from '../lib/attachment-reads.js';
import type { SchemaFlavour } from '../lib/flavours.js';
import type { AffectedInstance } from './facts.js';

/** Instances named one by one; the rest are counted. */
const SHOWN_INSTANCES = 10;
const SHOWN_PER_INSTANCE = 5;
const IDS_PER_READ = 500;

export interface DanglingReport {
  /** The line the operator must read (a warning); undefined when there is nothing dangling. */
  warning?: string;
  /** One line per instance, bounded. */
  notes: string[];
}

export async function danglingBdms(
  ctx: StepContext,
  flavour: SchemaFlavour,
  affected: readonly AffectedInstance[],
  attachments: readonly DbAttachment[],
  bdms: readonly DbBdm[],
): Promise<DanglingReport> {
  const names = new Map(affected.map((i) => [i.uuid, i.name]));
  const held = new Set(attachments.map((a) => `${a.volumeId}|${a.instanceUuid}`));
  const dangling = bdms.filter((b) => names.has(b.instanceUuid) && !held.has(`${b.volumeId}|${b.instanceUuid}`));
  if (dangling.length === 0) return { notes: [] };
  const live = flavour === 'modern' ? await liveAttachmentIds(ctx, dangling) : new Set<string>();
  const byInstance = new Map<string, DbBdm[]>();
  for (const b of dangling) byInstance.set(b.instanceUuid, [...(byInstance.get(b.instanceUuid) ?? []), b]);
  const instances = [...byInstance].sort(([a], [b]) => (names.get(a) ?? a).localeCompare(names.get(b) ?? b));
  const removable = flavour === 'modern' ? dangling.filter((b) => b.attachmentId !== null && !live.has(b.attachmentId)).length : 0;
  const warning =
    `${dangling.length} dangling block device mapping(s) on ${instances.length} affected instance(s): Nova keeps a live BDM of a volume that Cinder holds no attachment of to that instance. ` +
    'drp does not capture, clean or re-attach them (Cinder does not hold them); ' +
    (flavour === 'modern'
      ? `from Nova 2023.2 (nova 28) the reboot in step 3 deletes ${removable} of them (those whose attachment is gone from Cinder; nova-compute logs "Removing stale volume attachment"), before 2023.2 they stay. `
      : "Nova's reboot keeps them (its 2023.2 check asks Cinder for attachment ids, which this schema has none of). ") +
    'To keep such a volume, attach it again after the run (openstack server add volume <instance> <volume>)';
  const notes = instances.slice(0, SHOWN_INSTANCES).map(([uuid, own]) => {
    const shown = own.slice(0, SHOWN_PER_INSTANCE).map((b) => describe(flavour, b, live));
    const more = own.length > SHOWN_PER_INSTANCE ? `; … (${own.length - SHOWN_PER_INSTANCE} more)` : '';
    return `dangling BDM(s) of ${names.get(uuid)} (${uuid})${ctx.cells.mapped ? ` in cell ${own[0].cell}` : ''}: ${shown.join('; ')}${more}`;
  });
  if (instances.length > SHOWN_INSTANCES) notes.push(`… and ${instances.length - SHOWN_INSTANCES} more instance(s) with dangling BDMs`);
  return { warning, notes };
}

function describe(flavour: SchemaFlavour, b: DbBdm, live: ReadonlySet<string>): string {
  const what = `volume ${b.volumeId} at ${b.device ?? 'no device'}${b.bootIndex === 0 ? ' (boot volume)' : ''}`;
  if (flavour !== 'modern') return `${what} (no Cinder attachment ids in this schema: Nova's reboot leaves it)`;
  if (b.attachmentId === null) return `${what}, no attachment id (Nova's reboot leaves it)`;
  if (live.has(b.attachmentId)) return `${what}, attachment ${b.attachmentId} in Cinder but not attached (Nova's reboot leaves it)`;
  return `${what}, attachment ${b.attachmentId} gone from Cinder (a 2023.2+ reboot deletes the BDM)`;
}

/** The attachment ids of `bdms` that Cinder still has a row for (any status), as Nova's attachment_get sees them. */
async function liveAttachmentIds(ctx: StepContext, bdms: readonly DbBdm[]): Promise<Set<string>> {
  const ids = [...new Set(bdms.map((b) => b.attachmentId).filter((id): id is string => id !== null))];
  const live = new Set<string>();
  for (let i = 0; i < ids.length; i += IDS_PER_READ) {
    const chunk = ids.slice(i, i + IDS_PER_READ);
    const { rows = [] } = await ctx.read(
      selectRows('cinder', 'read which attachments of dangling BDMs Cinder still has', `SELECT id FROM volume_attachment WHERE deleted = 0 AND id IN (${chunk.map(() => '?').join(', ')})`, chunk),
    );
    for (const r of rows) live.add(String(r.id));
  }
  return live;
}
