// applyScenario: rebuild the lab cloud into a named situation (DESIGN section 6). power-loss,
// failed-node and stuck-instance exist; the other names there are refused with a clear message.
import { openLabDb } from '../lab-db.js';
import { readLabInfo } from '../lab-info-file.js';
import type { LabInfo } from '../types.js';
import { applyFailedNode, type FailedNodeOptions, type FailedNodeSummary } from './failed-node.js';
import { applyPowerLoss, type PowerLossSummary } from './power-loss.js';
import type { PowerLossOptions } from './power-loss-plan.js';
import { applyStuckInstance, type StuckInstanceOptions, type StuckInstanceSummary } from './stuck-instance.js';
import { applyUidMismatch, type UidMismatchOptions, type UidMismatchSummary } from './uid-mismatch.js';

export const SCENARIOS = ['power-loss', 'failed-node', 'stuck-instance', 'uid-mismatch'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Every scenario's options (each reads its own; instances, volumes and seed are shared). */
export type ScenarioOptions = PowerLossOptions & FailedNodeOptions & StuckInstanceOptions;
/**
 * What applyScenario answers for a name only known at run time (test/support's lab.scenario):
 * power-loss's summary, which the drp tests read through this name, plus the top-level fields of
 * the other summaries that power-loss lacks. Those are there only when that scenario ran (`name`
 * says which); shared fields (instances, counts) have power-loss's shape. Call applyScenario with
 * the literal name for the exact type.
 */
export type ScenarioSummary = PowerLossSummary &
  Omit<FailedNodeSummary, keyof PowerLossSummary> &
  Omit<StuckInstanceSummary, keyof PowerLossSummary | keyof FailedNodeSummary>;
export type AnyScenarioSummary = PowerLossSummary | FailedNodeSummary | StuckInstanceSummary;

export function applyScenario(lab: LabInfo | string, name: 'failed-node', opts?: FailedNodeOptions): Promise<FailedNodeSummary>;
export function applyScenario(lab: LabInfo | string, name: 'stuck-instance', opts?: StuckInstanceOptions): Promise<StuckInstanceSummary>;
export function applyScenario(lab: LabInfo | string, name: 'uid-mismatch', opts?: UidMismatchOptions): Promise<UidMismatchSummary>;
/** power-loss, or a name only known at run time: the summary's `name` says which it is. */
export function applyScenario(lab: LabInfo | string, name: string, opts?: ScenarioOptions): Promise<ScenarioSummary>;
export async function applyScenario(lab: LabInfo | string, name: string, opts: ScenarioOptions | UidMismatchOptions = {}): Promise<AnyScenarioSummary | UidMismatchSummary> {
  const info = typeof lab === 'string' ? await readLabInfo({ stateDir: lab }) : lab;
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (available: ${SCENARIOS.join(', ')})`);
  // Host files only: the databases and the API stay as they are.
  if (name === 'uid-mismatch') return applyUidMismatch(info, opts as UidMismatchOptions);
  const db = await openLabDb(info, 4);
  try {
    if (name === 'failed-node') return await applyFailedNode(info, db, opts);
    if (name === 'stuck-instance') return await applyStuckInstance(info, db, opts);
    return await applyPowerLoss(info, db, opts as ScenarioOptions);
  } finally {
    await db.close();
  }
}

export type { FailedNodeOptions, FailedNodeSummary, FailedNodeInstance, FailedNodeKind, FailedNodeVolume } from './failed-node.js';
export type { StuckInstanceOptions, StuckInstanceSummary, StuckInstance } from './stuck-instance.js';
export type { PowerLossOptions } from './power-loss-plan.js';
export type { PowerLossSummary } from './power-loss.js';
export { releaseImmutable, GUIDE_TARGETS, type UidMismatchOptions, type UidMismatchSummary, type UidMismatchHost } from './uid-mismatch.js';
