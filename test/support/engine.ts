// The real engine, in-process, on a test lab: the config and effects the CLI would build, and
// runs and resumes whose events are collected for the test to read.
import { loadConfig } from '../../src/config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import { joinCells } from '../../src/cli/cloud-session.js';
import type { DurableFs } from '../../src/effects/files/durable-write.js';
import type { Effects } from '../../src/effects/types.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { assumeYes, type Prompter } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { RunStore } from '../../src/engine/run-store.js';
import { resumeRun, startRun, type RunRequest, type RunResult } from '../../src/engine/runner.js';
import type { TestLab } from './lab.js';

export type CollectedRun = RunResult & { events: EngineEvent[] };

export interface LabEngine {
  config: NovaopsConfig;
  effects: Effects;
  run(runbook: Runbook, opts?: Partial<Omit<RunRequest, 'runbook'>> & { prompter?: Prompter; files?: DurableFs }): Promise<CollectedRun>;
  resume(runbook: Runbook, runId: string, opts?: { prompter?: Prompter }): Promise<CollectedRun>;
  close(): Promise<void>;
}

export async function labEngine(lab: TestLab): Promise<LabEngine> {
  const config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env } });
  const effects = createEffects(config);
  // The cells as the CLI sees them at connect: the lab's nova_api maps them.
  const redactor = new Redactor([...configSecrets(config), ...(await joinCells(config, effects))]);
  const collect = () => {
    const events: EngineEvent[] = [];
    return { events, onBus: (bus: { subscribe(l: (e: EngineEvent) => void): void }) => bus.subscribe((e) => events.push(e)) };
  };
  return {
    config,
    effects,
    async run(runbook, opts = {}) {
      const { events, onBus } = collect();
      const { prompter, files, ...request } = opts;
      const result = await startRun({ runbook, params: {}, mode: 'live', ...request }, { config, effects, redactor, prompter: prompter ?? assumeYes, files, onBus });
      return { ...result, events };
    },
    async resume(runbook, runId, opts = {}) {
      const { events, onBus } = collect();
      const store = await RunStore.open(config.stateDir, runId);
      const result = await resumeRun(runbook, store, { config, effects, redactor, prompter: opts.prompter ?? assumeYes, onBus });
      return { ...result, events };
    },
    close: () => effects.close(),
  };
}
