// What a lab scenario declares, the way a runbook's catalogue entry does: its name, one line about
// it, its command-line options and its apply function. `novaops lab scenario <name>`, its --help
// and applyScenario all come from these (registry.ts lists them). A declaration stays light: its
// apply loads the scenario's code when it runs, so the CLI's parser never pays for it.
import type { CellCount } from '../cells.js';
import type { LabDb } from '../lab-db.js';
import type { LabInfo } from '../types.js';

/** One option of `novaops lab scenario <name>`. */
export interface ScenarioOption {
  /** As commander takes it: '--other-instances <n>', or '--shared-storage' for a switch. */
  flags: string;
  /** The key in the scenario's options. */
  key: string;
  description: string;
  /** A whole number (at least `min`), a host name, or a switch. */
  kind: 'count' | 'host' | 'switch';
  min?: number;
  /** The value when the option is not given (commander shows it in --help). */
  default?: string;
}

/** What apply works on: the lab, and its databases, opened on first use and closed after the scenario. */
export interface ScenarioLab {
  info: LabInfo;
  db(): Promise<LabDb>;
  /** Cells holding compute hosts (`--cells`, every scenario takes it: registry.ts). */
  cells: CellCount;
}

export interface LabScenario<Name extends string = string, Options extends object = object, Summary = unknown> {
  name: Name;
  /** One line, for `novaops lab scenario --help`. */
  summary: string;
  options: readonly ScenarioOption[];
  apply(lab: ScenarioLab, options: Options): Promise<Summary>;
}

export function defineScenario<Name extends string, Options extends object, Summary>(scenario: LabScenario<Name, Options, Summary>): LabScenario<Name, Options, Summary> {
  return scenario;
}

// Options several scenarios share, declared once.
export const INSTANCES: ScenarioOption = { flags: '--instances <n>', key: 'instances', description: 'instances', kind: 'count', min: 1, default: '20' };
export const VOLUMES: ScenarioOption = { flags: '--volumes <n>', key: 'volumes', description: 'volumes', kind: 'count', min: 0, default: '30' };
/** Declared once and given to every scenario by the registry. */
export const CELLS: ScenarioOption = {
  flags: '--cells <n>',
  key: 'cells',
  description: 'cells holding the compute hosts: 1, or 2 (hosts split between cell1 and cell2)',
  kind: 'count',
  min: 1,
  default: '1',
};
export const SEED: ScenarioOption = { flags: '--seed <n>', key: 'seed', description: 'random seed', kind: 'count', min: 0, default: '1' };
