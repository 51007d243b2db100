// applyScenario: rebuild the lab cloud into a named situation. Only power-loss exists so far;
// the other names from DESIGN section 6 are refused with a clear message.
import { openLabDb } from '../lab-db.js';
import { readLabInfo } from '../lab-info-file.js';
import type { LabInfo } from '../types.js';
import { applyPowerLoss, type PowerLossSummary } from './power-loss.js';
import type { PowerLossOptions } from './power-loss-plan.js';

export const SCENARIOS = ['power-loss'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type ScenarioOptions = PowerLossOptions;
export type ScenarioSummary = PowerLossSummary;

export async function applyScenario(
  lab: LabInfo | string,
  name: ScenarioName | string,
  opts: ScenarioOptions = {},
): Promise<ScenarioSummary> {
  const info = typeof lab === 'string' ? await readLabInfo({ stateDir: lab }) : lab;
  if (name !== 'power-loss') throw new Error(`unknown scenario ${name} (available: ${SCENARIOS.join(', ')})`);
  const db = await openLabDb(info, 4);
  try {
    return await applyPowerLoss(info, db, opts);
  } finally {
    await db.close();
  }
}
