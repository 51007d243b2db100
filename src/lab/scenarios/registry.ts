// Every lab scenario, in the order `novaops lab scenario --help` lists them. A new scenario is its
// own files (the work, and its declaration: see scenario.ts) and one line here. Light on purpose:
// the CLI's parser reads it at every start, so it holds the declarations and nothing they load.
import { cellCount } from '../cells.js';
import { failedNode } from './failed-node-scenario.js';
import { powerLoss } from './power-loss-scenario.js';
import { CELLS, type LabScenario, type ScenarioOption } from './scenario.js';
import { stuckInstance } from './stuck-instance-scenario.js';
import { uidMismatch } from './uid-mismatch-scenario.js';

export interface CellsOption {
  /** 1 (default) or 2: with 2 the compute hosts are split between cell1 and cell2. */
  cells?: number;
}

/** Every scenario takes --cells: checked here once (1 or 2, else exit 2) and handed to it as lab.cells. */
function withCells<N extends string, O extends object, S>(scenario: LabScenario<N, O, S>): LabScenario<N, O & CellsOption, S> {
  return {
    ...scenario,
    options: [CELLS, ...scenario.options],
    apply: (lab, options) => scenario.apply({ ...lab, cells: cellCount(options.cells) }, options),
  };
}

export const SCENARIO_REGISTRY = [withCells(powerLoss), withCells(failedNode), withCells(stuckInstance), withCells(uidMismatch)] as const;

type Entry = (typeof SCENARIO_REGISTRY)[number];
export type ScenarioName = Entry['name'];
export type OptionsOf<N extends ScenarioName> = Parameters<Extract<Entry, { name: N }>['apply']>[1];
export type SummaryOf<N extends ScenarioName> = Awaited<ReturnType<Extract<Entry, { name: N }>['apply']>>;

export const SCENARIOS: readonly ScenarioName[] = SCENARIO_REGISTRY.map((s) => s.name);

export function findScenario(name: string): LabScenario | undefined {
  return (SCENARIO_REGISTRY as readonly LabScenario<string, never>[]).find((s) => s.name === name) as LabScenario | undefined;
}

/** The attribute commander gives an option's value: '--heartbeat-age <s>' is heartbeatAge. */
export function optionAttribute(option: ScenarioOption): string {
  const long = /--([a-z0-9-]+)/.exec(option.flags)?.[1] ?? option.key;
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The options of `novaops lab scenario`, one per flag: an option of one scenario says which, an option
 * every scenario takes comes last.
 */
export function scenarioCommandOptions(): ScenarioOption[] {
  const users = new Map<string, { option: ScenarioOption; scenarios: string[] }>();
  for (const scenario of SCENARIO_REGISTRY) {
    for (const option of scenario.options) {
      const seen = users.get(option.flags) ?? { option, scenarios: [] };
      seen.scenarios.push(scenario.name);
      users.set(option.flags, seen);
    }
  }
  const all = [...users.values()];
  const everyone = (u: (typeof all)[number]) => u.scenarios.length === SCENARIO_REGISTRY.length;
  return [...all.filter((u) => !everyone(u)), ...all.filter(everyone)].map(({ option, scenarios }) =>
    scenarios.length === 1 ? { ...option, description: `${scenarios[0]}: ${option.description}` } : option,
  );
}
