// Invariant 6 for evacuations: SIGKILL in the middle of the evacuations, then `novaops resume`:
// the run completes and no instance was evacuated twice. And the exact ambiguous case: an evacuate
// that reached Nova while the journal only says "started" is resolved from what Nova recorded (the
// instance action, the evacuation), never sent again.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedNodeSummary } from '../../src/lab/index.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Prompter } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import { RunStore } from '../../src/engine/run-store.js';
import { resumeRun, startRun } from '../../src/engine/runner.js';
import { failedNode as failedNodeRunbook } from '../../runbooks/failed-node/runbook.js';
import { runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';
import { waitForEvents } from '../support/transcript-watch.js';
import { expectEndState, failedNode, runArgs, targetInstancesPath } from './support.js';

let lab: TestLab;

beforeAll(async () => {
  // A slow API and slow evacuations, two requests at a time: a kill lands in the middle of the step.
  lab = await createTestLab({ settings: { serviceDownTimeMs: 1500, reportIntervalMs: 200, evacuateMs: 400, latencyMs: 60 } });
});
afterAll(async () => lab?.destroy());

describe('failed-node killed during the evacuations, then resumed', () => {
  it('evacuates every instance exactly once and reaches the end state', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 41, instances: 10, volumes: 6 });
    const config = await writeLabConfigVariant(lab, 'slow.yaml', (c) => (c.api = { ...c.api, concurrency: 2 }));
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    await lab.resetStats();

    const first = startCli([...runArgs(lab, s), '--allow-rebuild', '--yes'], env);
    const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.filter((e) => e.type === 'op.end' && e.step === 'evacuate' && e.item !== null).length >= 3, {
      timeoutMs: 60_000,
    });
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const movable = s.instances.filter((i) => i.kind !== 'service-vm').map((i) => i.uuid);
    const sentBeforeKill = Object.keys((await lab.stats()).evacuationsByServer).length;
    expect(sentBeforeKill).toBeGreaterThanOrEqual(3);
    expect(sentBeforeKill).toBeLessThan(movable.length);

    const resumed = await runCli(['resume', runId, '--yes'], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/already done in an earlier attempt|checked against the cloud/);

    const stats = await lab.stats();
    expect(stats.evacuationsByServer).toEqual(Object.fromEntries(movable.map((u) => [u, 1])));
    await expectEndState(lab, s, movable, { attachedHost: s.targetHost });
  });
});

/** Polls `check` until it holds (the lab moves on its own timers), for up to a minute. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached within a minute');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function answers(...replies: boolean[]): Prompter {
  return {
    async confirm() {
      return { answer: replies.shift() ?? false, how: 'test' };
    },
  };
}

describe('an evacuate that reached Nova but was never journaled', () => {
  it('is resolved from what Nova recorded of it, not sent a second time', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 42 });
    const config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env } });
    const effects = createEffects(config);
    try {
      const deps = { config, effects, redactor: new Redactor([]) };
      const params = failedNodeRunbook.params.parse({
        failedHost: s.failedHost,
        targetHost: s.targetHost,
        allowRebuild: true,
        instancesPath: targetInstancesPath(lab, s),
      });
      // Yes to forcing the service down, no to the evacuations: the run stops before step 2's items.
      const first = await startRun({ runbook: failedNodeRunbook, params, mode: 'live' }, { ...deps, prompter: answers(true, false) });
      expect(first.outcome).toBe('aborted');
      await lab.resetStats();

      // What a crash right after the request leaves: Nova evacuates X, the journal only says "started".
      const x = s.instances.find((i) => i.kind === 'image-with-volumes')!.uuid;
      const { token, compute } = await labToken(lab.info);
      const evacuate = await fetch(`${compute}/servers/${x}/action`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json', 'OpenStack-API-Version': 'compute 2.29' },
        body: JSON.stringify({ evacuate: { host: s.targetHost } }),
      });
      expect(evacuate.status).toBe(200);
      await appendFile(join(first.runDir!, 'items.jsonl'), `${JSON.stringify({ step: 'evacuate', key: `evacuate:${x}`, status: 'started', ts: new Date().toISOString() })}\n`);

      const events: EngineEvent[] = [];
      const store = await RunStore.open(config.stateDir, first.runId);
      const resumed = await resumeRun(failedNodeRunbook, store, { ...deps, prompter: answers(true, true, true, true, true), onBus: (b) => b.subscribe((e) => events.push(e)) });
      expect(resumed.outcome, JSON.stringify(events.filter((e) => e.type === 'step.end'))).toBe('completed');

      const movable = s.instances.filter((i) => i.kind !== 'service-vm').map((i) => i.uuid);
      const stats = await lab.stats();
      expect(stats.evacuationsByServer).toEqual(Object.fromEntries(movable.map((u) => [u, 1])));
      expect(events.find((e) => e.type === 'item' && e.key === `evacuate:${x}`)).toMatchObject({ status: 'done', detail: expect.stringContaining('checked against the cloud') });
      await expectEndState(lab, s, movable, { attachedHost: s.targetHost });
    } finally {
      await effects.close();
    }
  });
  // The evacuation record alone: Nova accepted the evacuate, the target compute died before its
  // part (the evacuation stays 'accepted'), an operator reset the instance to active (no task, still
  // on the failed host), and the instance's actions are gone from the listing (purged). Only
  // os-migrations says the request reached Nova; a second evacuate would start a second rebuild.
  it('counts the evacuation record (os-migrations) as evidence when the action listing is empty', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 43 });
    // A short poll: the resolve waits for an evacuation that will never end, until the deadline.
    const configFile = await writeLabConfigVariant(lab, 'short-poll.yaml', (c) => (c.poll = { initial_ms: 50, max_ms: 300, timeout_ms: 6_000 }));
    const config = await loadConfig({ configPath: configFile, env: { ...process.env, ...lab.env } });
    const effects = createEffects(config);
    const api = lab.info.api.url;
    const power = (on: boolean) =>
      fetch(`${api}/_lab/hosts/${s.targetHost}/power`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on }) });
    try {
      const deps = { config, effects, redactor: new Redactor([]) };
      const params = failedNodeRunbook.params.parse({ failedHost: s.failedHost, targetHost: s.targetHost, allowRebuild: true, instancesPath: targetInstancesPath(lab, s) });
      const first = await startRun({ runbook: failedNodeRunbook, params, mode: 'live' }, { ...deps, prompter: answers(true, false) });
      expect(first.outcome).toBe('aborted');
      await lab.resetStats();

      const x = s.instances.find((i) => i.kind === 'boot-from-volume')!.uuid;
      const { nova } = lab.info.db.schemas;
      const { token, compute } = await labToken(lab.info);
      const action = (body: unknown, version = '2.29') =>
        fetch(`${compute}/servers/${x}/action`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json', 'OpenStack-API-Version': `compute ${version}` }, body: JSON.stringify(body) });
      expect((await power(false)).status).toBe(200);
      expect((await action({ evacuate: { host: s.targetHost } })).status).toBe(200);
      await appendFile(join(first.runDir!, 'items.jsonl'), `${JSON.stringify({ step: 'evacuate', key: `evacuate:${x}`, status: 'started', ts: new Date().toISOString() })}\n`);
      // The conductor's part is done (its event recorded) and the dead target's never comes:
      // nothing left pending, seen twice in a row (a step's successor is scheduled as it ends).
      const conductorDone = async () => {
        const [ev] = await lab.rootQuery<any[]>(
          `SELECT COUNT(*) AS n FROM \`${nova}\`.instance_actions_events e JOIN \`${nova}\`.instance_actions a ON a.id = e.action_id
           WHERE a.instance_uuid = ? AND e.event = 'rebuild_server' AND e.finish_time IS NOT NULL`,
          [x],
        );
        const health = (await (await fetch(`${api}/_lab/health`)).json()) as { pendingTransitions: number };
        return Number(ev.n) === 1 && health.pendingTransitions === 0;
      };
      await waitFor(async () => (await conductorDone()) && (await conductorDone()));
      expect((await action({ 'os-resetState': { state: 'active' } })).status).toBe(202);
      await lab.rootQuery(`DELETE FROM \`${nova}\`.instance_actions_events WHERE action_id IN (SELECT id FROM \`${nova}\`.instance_actions WHERE instance_uuid = ?)`, [x]);
      await lab.rootQuery(`DELETE FROM \`${nova}\`.instance_actions WHERE instance_uuid = ?`, [x]);
      expect((await power(true)).status).toBe(200);
      // What the resolve will see: only the evacuation record says the evacuate reached Nova.
      const [row] = await lab.rootQuery<any[]>(`SELECT host, vm_state, task_state FROM \`${nova}\`.instances WHERE uuid = ?`, [x]);
      expect(row).toEqual({ host: s.failedHost, vm_state: 'active', task_state: null });
      const migrations = await lab.rootQuery<any[]>(`SELECT uuid, status FROM \`${nova}\`.migrations WHERE instance_uuid = ? AND migration_type = 'evacuation' AND deleted = 0`, [x]);
      expect(migrations.map((m) => m.status)).toEqual(['accepted']);
      const listed = await fetch(`${compute}/servers/${x}/os-instance-actions`, { headers: { 'x-auth-token': token } });
      expect(((await listed.json()) as { instanceActions: unknown[] }).instanceActions).toEqual([]);

      const events: EngineEvent[] = [];
      const store = await RunStore.open(config.stateDir, first.runId);
      await resumeRun(failedNodeRunbook, store, { ...deps, prompter: answers(true, true, true, true, true), onBus: (b) => b.subscribe((e) => events.push(e)) });

      // Not sent again: X's one evacuate is the one sent before the resume.
      const stats = await lab.stats();
      const notes = events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
      expect(stats.evacuationsByServer[x], `evacuates of ${x}; notes:\n${notes.join('\n')}`).toBe(1);
      expect(notes.some((m) => m.includes(`reached Nova (evacuation ${migrations[0].uuid}, accepted)`)), notes.join('\n')).toBe(true);
      expect(events.find((e) => e.type === 'item' && e.key === `evacuate:${x}`)).toMatchObject({ status: 'done', detail: expect.stringContaining('checked against the cloud') });
    } finally {
      await power(true).catch(() => undefined);
      await effects.close();
    }
  });
});
