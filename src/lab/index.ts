// The lab's public surface; the CLI (`novaops lab ...`) and the tests use only this, and the CLI's
// parser, which runs at every start, the light list of scenarios it re-exports (scenarios/registry.ts).
export { labUp, type LabUpOptions, type LabUpResult } from './lab-up.js';
export { labDown, type LabDownOptions } from './lab-down.js';
export { labStatus, type LabStatus, type LabCellStatus } from './lab-status.js';
export { CELL0_UUID, CELL_NAMES, type CellName, type CellCount } from './cells.js';
export type { ScenarioCell } from './scenarios/cell-layout.js';
export { labFaults, type LabFaultsState } from './lab-faults.js';
export {
  FAULT_KINDS,
  HTTP_FAULT_KINDS,
  DB_FAULT_KINDS,
  HOST_FAULT_KINDS,
  DEFAULT_SLOW_MS,
  parseFaultKinds,
  validateFaultSpec,
  FaultPlan,
  type FaultKind,
  type FaultSpec,
} from './faults/plan.js';
export { startDbProxy, ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, type DbProxy } from './faults/db-proxy.js';
export { hostFaultLines } from './faults/host-plan.js';
export {
  applyScenario,
  SCENARIOS,
  SCENARIO_REGISTRY,
  findScenario,
  optionAttribute,
  scenarioCommandOptions,
  type LabScenario,
  type ScenarioOption,
  type OptionsOf,
  type SummaryOf,
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
export { DEFAULT_SETTINGS, LAB_RELEASES, type LabInfo, type LabFlavour, type LabRelease, type SimSettings } from './types.js';

// What tests and benches arrange and inspect beyond the commands: a host's session table and
// device log, the lab's files and database URL, the names and secrets the simulator gives things.
export { deviceOpsLog, resetDeviceState } from './device-stubs.js';
export { hostAddress } from './scenarios/libvirt-xml.js';
export { volumeIqn, writeSessionTable } from './sessions-file.js';
export { freeLoopbackPort } from './free-port.js';
export { seededRng } from './random.js';
export { chapSecret } from './simulator/volume-backend.js';
export { legacyVolumeName } from './simulator/volume-backend-legacy.js';
export { readCloudsYaml, readServiceConnection } from './conf-files.js';
export { findMariadbd } from './private-mariadb.js';
export { isAlive } from './process-util.js';
export { parseDbUrl, formatCellUrl } from './db-url.js';
