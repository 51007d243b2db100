// Step (--method db), the guide's manual recovery: "Decide to which compute host to move the
// affected VM. Run this database command to move the VM to that host: UPDATE instances SET host =
// ... WHERE uuid = ...". The guide's statement alone leaves `node` on the failed host (Nova then
// looks for the instance on a node its new host does not have); novaops sets host AND node, for
// exactly the instances found on the failed host and still there (AND host = failed), in one
// transaction, the rows saved with a rollback script first.
import type { PlanItem, Step } from '../../src/engine/runbook.js';
import { showList } from '../../src/values/show-value.js';
import { updateRows } from '../../src/operations/sql.js';
import { hostsOf, instancesOf, label, moveKey, movingInstances, withDb, type FailedInstance, type FailedNodeParams } from './facts.js';
import { fencingGuard, instanceStateGuard, rebuildGuard, targetGuard } from './guards.js';
import { readInstanceRows } from './db-reads.js';
import { cellDbOf } from './cell.js';

/** Instances per statement: few round trips, short row locks, plans an operator can read. */
const CHUNK = 250;

export const moveDbStep: Step<FailedNodeParams> = {
  id: 'move-db',
  title: 'Move the instances to the target host in the database: host and node',
  changes: 'Nova cell DB instances.host and instances.node of the moved instances, in one transaction, rows saved first with a rollback script',
  appliesWhen: withDb,
  guards: [fencingGuard, targetGuard, instanceStateGuard, rebuildGuard],
  async plan(ctx) {
    const { failed, target } = hostsOf(ctx);
    const db = cellDbOf(ctx);
    return {
      items: instancesOf(ctx).map(
        (i): PlanItem<FailedInstance> => ({
          key: moveKey(i.uuid),
          summary: `move ${label(i)} from ${failed.host} (node ${i.node ?? '?'}) to ${target.host} (node ${target.node})`,
          target: { db, instance: i.uuid, host: failed.host },
          ops: [],
          data: i,
        }),
      ),
    };
  },
  async consolidate(ctx, items) {
    const { failed, target } = hostsOf(ctx);
    const db = cellDbOf(ctx);
    const uuids = items.map((i) => i.target.instance!);
    const chunks: PlanItem[] = [];
    for (let n = 0; n < uuids.length; n += CHUNK) {
      const chunk = uuids.slice(n, n + CHUNK);
      const marks = chunk.map(() => '?').join(', ');
      const where = `uuid IN (${marks}) AND host = ? AND deleted = 0`;
      const one = chunk.length === 1 ? items.find((i) => i.target.instance === chunk[0])! : undefined;
      chunks.push({
        key: `move-chunk:${chunk[0]}:${chunk.length}`,
        summary: one ? one.summary : `move ${chunk.length} instance(s) from ${failed.host} to ${target.host}`,
        target: { db, host: failed.host, instance: one?.target.instance },
        ops: [
          updateRows(
            db,
            one ? one.summary : `set host ${target.host}, node ${target.node} on ${chunk.length} instance(s) still on ${failed.host}`,
            `UPDATE instances SET host = ?, node = ?, updated_at = UTC_TIMESTAMP() WHERE ${where}`,
            [target.host, target.node, ...chunk, failed.host],
            { db, host: failed.host, instance: one?.target.instance },
            { table: 'instances', key: 'id', where, params: [...chunk, failed.host] },
          ),
        ],
      });
    }
    return chunks;
  },
  async verify(ctx) {
    const { target } = hostsOf(ctx);
    const moved = movingInstances(ctx, 'move-db', moveKey);
    const rows = await readInstanceRows(ctx, moved.map((i) => i.uuid));
    const wrong = moved.filter((i) => rows.get(i.uuid)?.host !== target.host || rows.get(i.uuid)?.node !== target.node);
    return wrong.length === 0
      ? { ok: true, detail: `${moved.length} instance(s) read back with host ${target.host} and node ${target.node}` }
      : { ok: false, detail: `not moved: ${showList(wrong.map((i) => `${label(i)} host ${rows.get(i.uuid)?.host ?? '?'} node ${rows.get(i.uuid)?.node ?? '?'}`), 10)}` };
  },
};
