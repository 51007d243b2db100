// instance_actions and instance_actions_events as Nova writes them: the API starts an action
// (start_time; finish_time stays NULL except for the few actions the API finishes itself, such as
// resetState), the services record events on it (conductor's without a prefix, e.g.
// rebuild_server; compute's as compute_<method>, e.g. compute_rebuild_instance) with their host and
// result; an event that fails sets the action's message to 'Error'. Both live in the instance's cell.
import type { ResultSetHeader } from 'mysql2/promise';
import type { CellDb } from '../lab-db.js';
import type { SimState } from './context.js';

export async function startEvent(sim: SimState, cell: CellDb, actionId: number, event: string, host: string): Promise<number> {
  const [res] = await sim.db.pool.query<ResultSetHeader>(
    `INSERT INTO ${cell.nova('instance_actions_events')} (created_at, updated_at, deleted, event, action_id, start_time, host)
     VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), 0, ?, ?, UTC_TIMESTAMP(), ?)`,
    [event, actionId, host],
  );
  await sim.db.pool.query(`UPDATE ${cell.nova('instance_actions')} SET updated_at = UTC_TIMESTAMP() WHERE id = ?`, [actionId]);
  return res.insertId;
}

export async function finishEvent(sim: SimState, cell: CellDb, actionId: number, eventId: number, ok: boolean): Promise<void> {
  await sim.db.pool.query(
    `UPDATE ${cell.nova('instance_actions_events')} SET finish_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP(), result = ? WHERE id = ?`,
    [ok ? 'Success' : 'Error', eventId],
  );
  await sim.db.pool.query(
    `UPDATE ${cell.nova('instance_actions')} SET updated_at = UTC_TIMESTAMP()${ok ? '' : ", message = 'Error'"} WHERE id = ?`,
    [actionId],
  );
}

/** One event, started and finished now. */
export async function recordEvent(sim: SimState, cell: CellDb, actionId: number, event: string, host: string, ok: boolean): Promise<void> {
  await finishEvent(sim, cell, actionId, await startEvent(sim, cell, actionId, event, host), ok);
}
