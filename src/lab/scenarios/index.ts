// applyScenario: rebuild the lab cloud into a named situation (DESIGN section 6), by the scenario's
// declaration in the registry (registry.ts); an unknown name is refused with the list.
import type { LabDb } from '../lab-db.js';
import { readLabInfo } from '../lab-info-file.js';
import type { LabInfo } from '../types.js';
import type { PowerLossSummary } from './power-loss.js';
import { findScenario, SCENARIOS, type OptionsOf, type ScenarioName, type SummaryOf } from './registry.js';

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every scenario's options at once (each reads its own; instances, volumes and seed are shared). */
export type ScenarioOptions = UnionToIntersection<OptionsOf<ScenarioName>>;
/**
 * What applyScenario answers for a name only known at run time (test/support's lab.scenario):
 * power-loss's summary, which the drp tests read through this name, plus the top-level fields of
 * the other summaries that power-loss lacks. Those are there only when that scenario ran (`name`
 * says which); shared fields (instances, counts) have power-loss's shape. Call applyScenario with
 * the literal name for the exact type.
 */
export type ScenarioSummary = PowerLossSummary & UnionToIntersection<OthersBeyondPowerLoss<Exclude<ScenarioName, 'power-loss'>>>;
type OthersBeyondPowerLoss<N extends ScenarioName> = N extends ScenarioName ? Omit<SummaryOf<N>, keyof PowerLossSummary> : never;
export type AnyScenarioSummary = SummaryOf<ScenarioName>;

export function applyScenario<N extends Exclude<ScenarioName, 'power-loss'>>(lab: LabInfo | string, name: N, opts?: OptionsOf<N>): Promise<SummaryOf<N>>;
/** power-loss, or a name only known at run time: the summary's `name` says which it is. */
export function applyScenario(lab: LabInfo | string, name: string, opts?: ScenarioOptions): Promise<ScenarioSummary>;
export async function applyScenario(lab: LabInfo | string, name: string, opts: object = {}): Promise<unknown> {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`unknown scenario ${name} (available: ${SCENARIOS.join(', ')})`);
  const info = typeof lab === 'string' ? await readLabInfo({ stateDir: lab }) : lab;
  let db: Promise<LabDb> | undefined;
  try {
    return await scenario.apply(
      {
        info,
        db: () => (db ??= import('../lab-db.js').then(({ openLabDb }) => openLabDb(info, 4))),
        // The registry reads --cells from the options and puts it here.
        cells: 1,
      },
      opts,
    );
  } finally {
    if (db) await (await db.catch(() => undefined))?.close();
  }
}

export { SCENARIO_REGISTRY, SCENARIOS, findScenario, optionAttribute, scenarioCommandOptions, type OptionsOf, type ScenarioName, type SummaryOf } from './registry.js';
export type { LabScenario, ScenarioOption } from './scenario.js';
export type { FailedNodeOptions, FailedNodeSummary, FailedNodeInstance, FailedNodeKind, FailedNodeVolume } from './failed-node.js';
export type { StuckInstanceOptions, StuckInstanceSummary, StuckInstance } from './stuck-instance.js';
export type { PowerLossOptions } from './power-loss-plan.js';
export type { PowerLossSummary } from './power-loss.js';
export { releaseImmutable, GUIDE_TARGETS, type UidMismatchOptions, type UidMismatchSummary, type UidMismatchHost } from './uid-mismatch.js';
