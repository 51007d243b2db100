// The lab's public surface; the CLI (`novaops lab ...`) and the tests use only this.
export { labUp, type LabUpOptions, type LabUpResult } from './lab-up.js';
export { labDown, type LabDownOptions } from './lab-down.js';
export { labStatus, type LabStatus } from './lab-status.js';
export {
  applyScenario,
  SCENARIOS,
  type AnyScenarioSummary,
  type FailedNodeInstance,
  type FailedNodeKind,
  type FailedNodeOptions,
  type FailedNodeSummary,
  type FailedNodeVolume,
  type PowerLossOptions,
  type PowerLossSummary,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioSummary,
  type StuckInstance,
  type StuckInstanceOptions,
  type StuckInstanceSummary,
  releaseImmutable,
  GUIDE_TARGETS,
  type UidMismatchOptions,
  type UidMismatchSummary,
  type UidMismatchHost,
} from './scenarios/index.js';
export { setHostPower } from './hosts.js';
export { readLabInfo } from './lab-info-file.js';
export { labDir, labPaths, hostPaths } from './paths.js';
export { startSimulator, type SimulatorHandle } from './simulator/server.js';
export type { StatsSnapshot } from './simulator/stats.js';
export { DEFAULT_SETTINGS, type LabInfo, type LabFlavour, type SimSettings } from './types.js';
