// Helpers for the reset-state tests: the lab's stuck-instance scenario, and what the tests read
// back from the lab's cell database (the rows the API serves, and the instance actions Nova
// records for every reset and delete it accepts).
import type { StuckInstance, StuckInstanceSummary } from '../../src/lab/index.js';
import type { TestLab } from '../support/lab.js';

export type { StuckInstance, StuckInstanceSummary };

export async function stuckScenario(lab: TestLab, opts: { instances?: number; volumes?: number; seed?: number; cells?: 1 | 2 } = {}): Promise<StuckInstanceSummary> {
  return (await lab.scenario('stuck-instance', opts)) as unknown as StuckInstanceSummary;
}

/** The scenario's instance in `taskState` (null: a healthy one) stuck for `ageSeconds` (any when omitted). */
export function pick(s: StuckInstanceSummary, taskState: string | null, ageSeconds?: number, nth = 0): StuckInstance {
  const found = s.instances.filter((i) => i.taskState === taskState && (ageSeconds === undefined || i.ageSeconds === ageSeconds));
  if (!found[nth]) throw new Error(`the scenario has no instance #${nth} in ${taskState} for ${ageSeconds ?? 'any'}s`);
  return found[nth];
}

export interface InstanceRow {
  uuid: string;
  vm_state: string | null;
  task_state: string | null;
  updated_at: string;
  deleted: number;
}

/** Every instance row (deleted ones too), by uuid. */
export async function instanceRows(lab: TestLab): Promise<Map<string, InstanceRow>> {
  const rows = await lab.rootQuery<InstanceRow[]>(
    `SELECT uuid, vm_state, task_state, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ') AS updated_at, IF(deleted = 0, 0, 1) AS deleted FROM \`${lab.info.db.schemas.nova}\`.instances`,
  );
  return new Map(rows.map((r) => [r.uuid, { ...r, deleted: Number(r.deleted) }]));
}

/** How many instance actions of `action` (resetState, delete) each instance has. */
export async function actionCounts(lab: TestLab, action: string): Promise<Record<string, number>> {
  const rows = await lab.rootQuery<{ uuid: string; n: number }[]>(
    `SELECT instance_uuid AS uuid, COUNT(*) AS n FROM \`${lab.info.db.schemas.nova}\`.instance_actions WHERE action = ? GROUP BY instance_uuid`,
    [action],
  );
  return Object.fromEntries(rows.map((r) => [r.uuid, Number(r.n)]));
}

/** Rows of the instances not in `touched` are exactly as they were. */
export function untouchedExcept(before: Map<string, InstanceRow>, after: Map<string, InstanceRow>, touched: readonly string[]): [string, InstanceRow | undefined, InstanceRow][] {
  const skip = new Set(touched);
  return [...before].filter(([uuid]) => !skip.has(uuid)).map(([uuid, row]) => [uuid, after.get(uuid), row]);
}

/** Count of os-resetState requests the simulator served. */
export function resetRequests(stats: { requests: Record<string, number> }): number {
  return Object.entries(stats.requests)
    .filter(([k]) => k.includes('/servers/{id}/action:os-resetState'))
    .reduce((n, [, v]) => n + v, 0);
}
