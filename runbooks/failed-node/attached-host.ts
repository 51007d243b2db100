// Optional step (--method db, --update-attached-host). After a move in the database, Cinder's
// record of each attachment still names the failed host (volume_attachment.attached_host, or
// volumes.attached_host on older schemas): the instance runs on the target, Cinder says otherwise.
// This records the target instead, for exactly the moved instances' attachments that name the
// failed host, in one transaction with the rows saved first. It changes the record only: the
// export's initiator stays the one the failed host used (a detach and re-attach through Nova renews it).
import type { Step } from '../../src/engine/runbook.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { runCell } from './cell.js';
import { hostsOf, label, moveKey, movingInstances, withDb, type FailedNodeParams } from './facts.js';
import { fencingGuard } from './guards.js';

const CHUNK = 250;

export const attachedHostStep: Step<FailedNodeParams> = {
  id: 'update-attached-host',
  title: "Record the target host in Cinder's attachments of the moved instances (--update-attached-host)",
  changes: 'Cinder volume_attachment.attached_host (volumes.attached_host on older schemas) of the moved instances, failed host -> target, one transaction, rows saved first',
  optional: true,
  enabled: (p) => p.updateAttachedHost,
  appliesWhen: withDb,
  guards: [fencingGuard],
  async plan(ctx) {
    const { failed, target } = hostsOf(ctx);
    const moved = movingInstances(ctx, 'move-db', moveKey).filter((i) => i.volumes.length > 0);
    if (moved.length === 0) return { items: [], notes: ['no moved instance has a volume'] };
    const flavour = await detectFlavour(ctx, [runCell(ctx)]);
    if (flavour === 'nova-volume') return { items: [], notes: ['this schema (nova-volume) records no attached host'] };
    const table = flavour === 'modern' ? 'volume_attachment' : 'volumes';
    const items = [];
    for (let n = 0; n < moved.length; n += CHUNK) {
      const chunk = moved.slice(n, n + CHUNK);
      const uuids = chunk.map((i) => i.uuid);
      const where = `deleted = 0 AND attached_host = ? AND instance_uuid IN (${uuids.map(() => '?').join(', ')})`;
      const params = [failed.host, ...uuids];
      const { rows = [] } = await ctx.read(selectRows('cinder', `count the attachments of ${uuids.length} instance(s) naming ${failed.host}`, `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params));
      const count = Number(rows[0]?.n ?? 0);
      if (count === 0) continue;
      const one = chunk.length === 1 ? chunk[0] : undefined;
      const summary = `set attached_host ${target.host} on ${count} attachment(s) of ${one ? label(one) : `${chunk.length} instance(s)`} naming ${failed.host}`;
      items.push({
        key: `attached-host:${uuids[0]}:${uuids.length}`,
        summary,
        target: { db: 'cinder' as const, instance: one?.uuid },
        ops: [
          updateRows('cinder', summary, `UPDATE ${table} SET attached_host = ?, updated_at = UTC_TIMESTAMP() WHERE ${where}`, [target.host, ...params], { db: 'cinder', instance: one?.uuid }, {
            table,
            key: 'id',
            where,
            params,
          }),
        ],
      });
    }
    if (items.length === 0) return { items: [], notes: [`no attachment of the moved instances names ${failed.host}`] };
    return { items, notes: ['only the record changes: the export still admits the failed host\'s initiator; a detach and re-attach through Nova renews it'] };
  },
  async verify(ctx) {
    const { failed } = hostsOf(ctx);
    const uuids = movingInstances(ctx, 'move-db', moveKey).map((i) => i.uuid);
    if (uuids.length === 0) return { ok: true, detail: 'nothing to check' };
    const flavour = await detectFlavour(ctx, [runCell(ctx)]);
    if (flavour === 'nova-volume') return { ok: true, detail: 'nothing recorded' };
    const table = flavour === 'modern' ? 'volume_attachment' : 'volumes';
    let n = 0;
    for (let k = 0; k < uuids.length; k += CHUNK) {
      const chunk = uuids.slice(k, k + CHUNK);
      const { rows = [] } = await ctx.read(
        selectRows('cinder', 'read back the attachments naming the failed host', `SELECT COUNT(*) AS n FROM ${table} WHERE deleted = 0 AND attached_host = ? AND instance_uuid IN (${chunk.map(() => '?').join(', ')})`, [failed.host, ...chunk]),
      );
      n += Number(rows[0]?.n ?? 0);
    }
    return n === 0 ? { ok: true, detail: `no attachment of the moved instances names ${failed.host}` } : { ok: false, detail: `${n} attachment(s) still name ${failed.host}` };
  },
};
