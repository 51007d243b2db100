// Where the cell database places instances: read back after a move, and by the guards.
import type { StepContext } from '../../src/engine/runbook.js';
import { selectRows } from '../../src/operations/sql.js';
import { cellDbOf } from './cell.js';

const CHUNK = 500;

export interface InstanceRow {
  host: string | null;
  node: string | null;
  vmState: string | null;
  taskState: string | null;
}

export async function readInstanceRows(ctx: StepContext, uuids: readonly string[]): Promise<Map<string, InstanceRow>> {
  const out = new Map<string, InstanceRow>();
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const db = cellDbOf(ctx);
  for (let i = 0; i < uuids.length; i += CHUNK) {
    const chunk = uuids.slice(i, i + CHUNK);
    const { rows = [] } = await ctx.read(
      selectRows(
        db,
        `read host and node of ${chunk.length} instance(s)`,
        `SELECT uuid, host, node, vm_state, task_state FROM instances WHERE deleted = 0 AND uuid IN (${chunk.map(() => '?').join(', ')})`,
        [...chunk],
      ),
    );
    for (const r of rows) out.set(String(r.uuid), { host: text(r.host), node: text(r.node), vmState: text(r.vm_state), taskState: text(r.task_state) });
  }
  return out;
}
