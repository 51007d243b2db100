// Invariant 6: a reboot whose acknowledgement was lost (the run died between sending it and
// recording it) is resolved on resume by reading Nova's instance actions — never sent twice.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { Effects } from '../../src/effects/types.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Prompter } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import { RunStore } from '../../src/engine/run-store.js';
import { resumeRun, startRun } from '../../src/engine/runner.js';
import { drp } from '../../runbooks/drp/runbook.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';

let lab: TestLab;
let config: NovaopsConfig;
let effects: Effects;

beforeAll(async () => {
  lab = await createTestLab();
  config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env } });
  effects = createEffects(config);
});
afterAll(async () => {
  await effects?.close();
  await lab?.destroy();
});

function answers(...replies: boolean[]): Prompter {
  return { async confirm() { return { answer: replies.shift() ?? false, how: 'test' }; } };
}

describe('once only', () => {
  it('resolves an unacknowledged reboot from instance actions instead of rebooting again', async () => {
    const scenario = await lab.scenario('power-loss', { instances: 8, volumes: 10, seed: 6 });
    const deps = { config, effects, redactor: new Redactor([]) };
    // Yes to the DB cleanup, no to the reboots: the run stops before step 3.
    const first = await startRun({ runbook: drp, params: { sshReboot: false }, mode: 'live' }, { ...deps, prompter: answers(true, false) });
    expect(first.outcome).toBe('aborted');
    await lab.resetStats();

    // What a crash right after the request leaves behind: Nova rebooted X, the journal only says "started".
    const x = scenario.instances.find((i) => i.vmState === 'stopped')!.uuid;
    const { token, compute } = await labToken(lab.info);
    const reboot = await fetch(`${compute}/servers/${x}/action`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ reboot: { type: 'HARD' } }),
    });
    expect(reboot.status).toBe(202);
    await appendFile(join(first.runDir!, 'items.jsonl'), `${JSON.stringify({ step: 'reboot', key: `reboot:${x}`, status: 'started', ts: new Date().toISOString() })}\n`);

    const events: EngineEvent[] = [];
    const store = await RunStore.open(config.stateDir, first.runId);
    const resumed = await resumeRun(drp, store, { ...deps, prompter: answers(true, true), onBus: (b) => b.subscribe((e) => events.push(e)) });
    expect(resumed.outcome).toBe('completed');

    const stats = await lab.stats();
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid);
    expect(stats.rebootsByServer).toEqual(Object.fromEntries(shutoff.map((u) => [u, 1])));
    expect(events.find((e) => e.type === 'item' && e.key === `reboot:${x}`)).toMatchObject({ status: 'done', detail: expect.stringContaining('checked against the cloud') });
  });
});
