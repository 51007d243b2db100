// Acceptance / invariant 6 for reset-state: SIGKILL in the middle of the resets, and again in the
// middle of the deletes, then `novaops resume`: every instance is reset once and deleted once.
// And the ambiguous case in-process: a reset or a delete that reached Nova but was never
// acknowledged (the run died in between) is resolved by reading the cloud, never sent again.
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
import { resetState } from '../../runbooks/reset-state/runbook.js';
import { runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { readEvents, transcriptOf, waitForEvents } from '../support/transcript-watch.js';
import { actionCounts, instanceRows, pick, stuckScenario } from './stuck-lab.js';

let lab: TestLab;
let config: NovaopsConfig;
let effects: Effects;

beforeAll(async () => {
  // Slow enough that a kill lands mid-step: 150 ms a request, two at a time.
  lab = await createTestLab({ hosts: 2, settings: { latencyMs: 150, deleteMs: 100 } });
  config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env } });
  effects = createEffects(config);
});
afterAll(async () => {
  await effects?.close();
  await lab?.destroy();
});

const endsOf = (events: EngineEvent[], step: string, attempt: number) => {
  const start = events.findIndex((e) => e.type === 'run.start' && (e as { attempt: number }).attempt === attempt);
  return start < 0 ? 0 : events.slice(start).filter((e) => e.type === 'op.end' && e.step === step && e.item !== null).length;
};

describe('reset-state killed twice, then resumed', () => {
  it('resets and deletes each instance exactly once', async () => {
    const scenario = await stuckScenario(lab, { instances: 16, volumes: 2, seed: 21 });
    const stuck = scenario.instances.filter((i) => i.stuck);
    expect(stuck.length).toBe(12);
    const conf = await writeLabConfigVariant(lab, 'slow.yaml', (c) => (c.api = { ...c.api, concurrency: 2 }));
    const env = { ...lab.env, NOVAOPS_CONFIG: conf };
    await lab.resetStats();

    // 1. Killed in the middle of the resets.
    const first = startCli(['run', 'reset-state', '--stuck-for', '4m', '--delete', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => endsOf(ev, 'reset', 1) >= 3);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const resetSoFar = Object.keys(await actionCounts(lab, 'resetState')).length;
    expect(resetSoFar).toBeGreaterThanOrEqual(3);
    expect(resetSoFar).toBeLessThan(stuck.length);

    // 2. Resumed, killed in the middle of the deletes.
    const second = startCli(['resume', runId, '--yes'], env);
    await waitForEvents(lab.stateDir, (ev) => endsOf(ev, 'delete', 2) >= 3, { runId });
    second.child.kill('SIGKILL');
    expect((await second.done).signal).toBe('SIGKILL');
    const deletedSoFar = Object.keys((await lab.stats()).deletesByServer).length;
    expect(deletedSoFar).toBeGreaterThanOrEqual(3);
    expect(deletedSoFar).toBeLessThan(stuck.length);

    // 3. Resumed to the end.
    const third = await runCli(['resume', '--yes'], env);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain('already done in an earlier attempt');

    expect(await actionCounts(lab, 'resetState')).toEqual(Object.fromEntries(stuck.map((x) => [x.uuid, 1])));
    expect((await lab.stats()).deletesByServer).toEqual(Object.fromEntries(stuck.map((x) => [x.uuid, 1])));
    const rows = await instanceRows(lab);
    for (const x of stuck) expect(rows.get(x.uuid)!.deleted, x.name).toBe(1);
    for (const x of scenario.instances.filter((i) => !i.stuck)) expect(rows.get(x.uuid)!.deleted, x.name).toBe(0);
    const events = await readEvents(transcriptOf(lab.stateDir, runId));
    expect(events.filter((e) => e.type === 'run.start').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    // The before table was taken once, by the first attempt: a resume compares against what the operator saw.
    expect(events.filter((e) => e.type === 'step.start' && e.step === 'show-state')).toHaveLength(1);
  });
});

function answers(...replies: boolean[]): Prompter {
  return { async confirm() { return { answer: replies.shift() ?? false, how: 'test' }; } };
}

describe('once only: an unacknowledged reset or delete is read back, not repeated', () => {
  it('resolves a reset that reached Nova from its state and instance actions', async () => {
    const scenario = await stuckScenario(lab, { instances: 8, volumes: 0, seed: 22 });
    const [x, y] = [pick(scenario, 'migrating', 300), pick(scenario, 'reboot_started_hard', 300)];
    const deps = { config, effects, redactor: new Redactor([]) };
    const params = { instances: [x.uuid, y.uuid], active: false, delete: false, force: false };
    // No to the reset: the run stops before step 1 sends anything.
    const first = await startRun({ runbook: resetState, params, mode: 'live' }, { ...deps, prompter: answers(false) });
    expect(first.outcome).toBe('aborted');
    expect(await actionCounts(lab, 'resetState')).toEqual({});

    // What a crash right after the request leaves: Nova reset X, the journal only says "started".
    const { token, compute } = await labToken(lab.info);
    const res = await fetch(`${compute}/servers/${x.uuid}/action`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ 'os-resetState': { state: 'error' } }),
    });
    expect(res.status).toBe(202);
    await appendFile(join(first.runDir!, 'items.jsonl'), `${JSON.stringify({ step: 'reset', key: `reset:${x.uuid}`, status: 'started', ts: new Date().toISOString() })}\n`);

    const events: EngineEvent[] = [];
    const store = await RunStore.open(config.stateDir, first.runId);
    const resumed = await resumeRun(resetState, store, { ...deps, prompter: answers(true, true), onBus: (b) => b.subscribe((e) => events.push(e)) });
    expect(resumed.outcome).toBe('completed');
    expect(await actionCounts(lab, 'resetState')).toEqual({ [x.uuid]: 1, [y.uuid]: 1 });
    expect(events.find((e) => e.type === 'item' && e.key === `reset:${x.uuid}`)).toMatchObject({ status: 'done', detail: expect.stringContaining('checked against the cloud') });
  });

  it('resolves a delete that reached Nova by waiting for the 404', async () => {
    const scenario = await stuckScenario(lab, { instances: 8, volumes: 0, seed: 23 });
    const [x, y] = [pick(scenario, 'migrating', 300), pick(scenario, 'deleting', 300)];
    const deps = { config, effects, redactor: new Redactor([]) };
    const params = { instances: [x.uuid, y.uuid], active: false, delete: true, force: false };
    await lab.resetStats();
    // Yes to the reset, no to the delete.
    const first = await startRun({ runbook: resetState, params, mode: 'live' }, { ...deps, prompter: answers(true, false) });
    expect(first.outcome).toBe('aborted');
    expect((await lab.stats()).deletesByServer).toEqual({});

    const { token, compute } = await labToken(lab.info);
    const res = await fetch(`${compute}/servers/${x.uuid}`, { method: 'DELETE', headers: { 'x-auth-token': token } });
    expect(res.status).toBe(204);
    await appendFile(join(first.runDir!, 'items.jsonl'), `${JSON.stringify({ step: 'delete', key: `delete:${x.uuid}`, status: 'started', ts: new Date().toISOString() })}\n`);

    const store = await RunStore.open(config.stateDir, first.runId);
    const resumed = await resumeRun(resetState, store, { ...deps, prompter: answers(true) });
    expect(resumed.outcome).toBe('completed');
    expect((await lab.stats()).deletesByServer).toEqual({ [x.uuid]: 1, [y.uuid]: 1 });
    const rows = await instanceRows(lab);
    expect([rows.get(x.uuid)!.deleted, rows.get(y.uuid)!.deleted]).toEqual([1, 1]);
  });
});

describe('moved on since the plan: skipped, never forced', () => {
  it('holds back a reset whose instance is no longer stuck, and a delete whose instance changed after its reset', async () => {
    const scenario = await stuckScenario(lab, { instances: 8, volumes: 0, seed: 24 });
    const [x, y, z] = [pick(scenario, 'migrating', 300), pick(scenario, 'reboot_started_hard', 300), pick(scenario, 'migrating', 2700)];
    const nova = `\`${lab.info.db.schemas.nova}\``;
    const deps = { config, effects, redactor: new Redactor([]) };
    const params = { instances: [x.uuid, y.uuid, z.uuid], active: false, delete: true, force: false };
    await lab.resetStats();
    // The operator is shown the plan and does not answer at once (here: no, then a resume).
    const first = await startRun({ runbook: resetState, params, mode: 'live' }, { ...deps, prompter: answers(false) });
    expect(first.outcome).toBe('aborted');
    // Meanwhile X's migration finishes on its own.
    await lab.rootQuery(`UPDATE ${nova}.instances SET task_state = NULL, updated_at = UTC_TIMESTAMP() WHERE uuid = ?`, [x.uuid]);

    const events: EngineEvent[] = [];
    const store = await RunStore.open(config.stateDir, first.runId);
    // Yes to the resets, no to the deletes.
    const second = await resumeRun(resetState, store, { ...deps, prompter: answers(true, false), onBus: (b) => b.subscribe((e) => events.push(e)) });
    expect(second.outcome).toBe('aborted');
    expect(events.find((e) => e.type === 'item' && e.key === `reset:${x.uuid}`)).toMatchObject({ status: 'held', detail: expect.stringContaining('moved on since the plan') });
    expect(await actionCounts(lab, 'resetState')).toEqual({ [y.uuid]: 1, [z.uuid]: 1 });
    const xRow = (await instanceRows(lab)).get(x.uuid)!;
    expect([xRow.vm_state, xRow.task_state, xRow.deleted]).toEqual(['active', null, 0]);

    // Someone brings Z back to active before the delete: it is not deleted either.
    await lab.rootQuery(`UPDATE ${nova}.instances SET vm_state = 'active', updated_at = UTC_TIMESTAMP() WHERE uuid = ?`, [z.uuid]);
    events.length = 0;
    const third = await resumeRun(resetState, await RunStore.open(config.stateDir, first.runId), { ...deps, prompter: answers(true), onBus: (b) => b.subscribe((e) => events.push(e)) });
    expect(third.outcome).toBe('completed-held-back');
    expect(events.find((e) => e.type === 'item' && e.key === `delete:${z.uuid}`)).toMatchObject({ status: 'held', detail: expect.stringContaining('changed after its reset to error') });
    expect(events.some((e) => e.type === 'item' && e.key === `delete:${x.uuid}`)).toBe(false);
    expect((await lab.stats()).deletesByServer).toEqual({ [y.uuid]: 1 });
    const rows = await instanceRows(lab);
    expect([rows.get(x.uuid)!.deleted, rows.get(y.uuid)!.deleted, rows.get(z.uuid)!.deleted]).toEqual([0, 1, 0]);
  });
});
