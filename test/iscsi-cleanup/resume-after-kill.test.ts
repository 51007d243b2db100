// iscsi-cleanup SIGKILLed right after the logout's op.end, then `novaops resume --yes`: the run
// completes, the session is not logged out a second time (the other sessions untouched, no logout
// op.start in the resumed attempt), and the volume's DB state is reset exactly once.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { TranscriptTail, readState } from '../support/kill-points.js';
import { readEvents, runIds, transcriptOf } from '../support/transcript-watch.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { type ScenarioSummary, hostPaths, volumeIqn, writeSessionTable } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let host: string;
const OTHER_IQN = 'iqn.2003-01.org.linux-iscsi.storage:sn.9abc';

const sessionsFile = () => readFile(hostPaths(lab.info.dir, host).sessions, 'utf8');
const cinder = () => lab.info.db.schemas.cinder;
const nova = () => lab.info.db.schemas.nova;

beforeAll(async () => {
  // Every API request takes 200 ms: the reset-db step's guard reads the instance from the Compute
  // API first, so the kill after the logout's op.end lands before the DB reset starts.
  lab = await createTestLab({ hosts: 2, settings: { latencyMs: 200 } });
  scenario = await lab.scenario('power-loss', { instances: 6, volumes: 10, seed: 11, liveSession: true });
});
afterAll(async () => lab?.destroy());

const isLogoutStart = (e: EngineEvent) => e.type === 'op.start' && e.step === 'logout' && e.item !== null;
const attemptOf = (events: EngineEvent[], n: number) => {
  const start = events.findIndex((e) => e.type === 'run.start' && (e as { attempt: number }).attempt === n);
  const next = events.findIndex((e, i) => i > start && e.type === 'run.start');
  return start < 0 ? [] : events.slice(start, next < 0 ? undefined : next);
};

describe('iscsi-cleanup killed after the logout, then resumed', () => {
  it('completes without a second logout and resets the DB once', async () => {
    const live = scenario.liveSessionVolume!;
    host = live.host;
    const { volume, instance } = live;
    // Other sessions on the host, which must survive the run and its resume untouched.
    const others = scenario.attached.filter((a) => a.host === host && a.volume !== volume).map((a) => a.volume);
    const [sid] = await writeSessionTable(lab.info.dir, host, [volumeIqn(`volume-${volume}`), ...[...new Set(others)].map((v) => volumeIqn(`volume-${v}`)), OTHER_IQN], 7);
    const linesBefore = (await sessionsFile()).split('\n').filter(Boolean);
    expect(linesBefore.length).toBeGreaterThanOrEqual(2);

    // 1. Killed the moment the logout's op.end is in the transcript.
    const before = new Set(await runIds(lab.stateDir));
    const proc = startCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], lab.env);
    let exited = false;
    void proc.done.then(() => (exited = true));
    let runId: string | undefined;
    let tail: TranscriptTail | undefined;
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline) {
      if (!runId) {
        runId = (await runIds(lab.stateDir)).filter((id) => !before.has(id)).pop();
        if (runId) tail = TranscriptTail.fromStart(transcriptOf(lab.stateDir, runId));
      }
      if (tail && (await tail.update()).some((e) => e.type === 'op.end' && e.step === 'logout' && e.item !== null)) {
        proc.child.kill('SIGKILL');
        break;
      }
      await sleep(2);
    }
    const first = await proc.done;
    expect(first.signal, first.stdout + first.stderr).toBe('SIGKILL');
    expect(runId).toBeDefined();
    const firstEvents = await readEvents(transcriptOf(lab.stateDir, runId!));
    expect(firstEvents.filter(isLogoutStart)).toHaveLength(1);
    // The kill landed between the logout and the DB reset: the session is gone, the volume still reads attached.
    expect(firstEvents.some((e) => e.type === 'op.start' && e.step === 'reset-db')).toBe(false);
    const expectedLines = linesBefore.filter((l) => !l.startsWith(`tcp: [${sid}] `));
    expect((await sessionsFile()).split('\n').filter(Boolean)).toEqual(expectedLines);
    const [mid] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${cinder()}\`.volumes WHERE id = ?`, [volume]);
    expect(mid).toEqual({ status: 'in-use', attach_status: 'attached' });

    // 2. Resumed to the end.
    const resumed = await runCli(['resume', '--yes'], lab.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`session [${sid}] is no longer on ${host}: already logged out`);
    expect((await readState(lab.stateDir, runId!))?.status).toBe('completed');

    // The logout was not sent again: this session gone, every other one untouched, no logout op.start in attempt 2.
    expect((await sessionsFile()).split('\n').filter(Boolean)).toEqual(expectedLines);
    const events = await readEvents(transcriptOf(lab.stateDir, runId!));
    expect(events.filter((e) => e.type === 'run.start').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    const second = attemptOf(events, 2);
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter(isLogoutStart)).toEqual([]);
    expect(events.filter(isLogoutStart)).toHaveLength(1);

    // The DB reset done once, in the resumed attempt: one transaction committed, its rows saved once.
    const resetStarts = events.filter((e) => e.type === 'step.start' && e.step === 'reset-db');
    expect(resetStarts).toHaveLength(1);
    expect(second).toContain(resetStarts[0]);
    const commits = events.filter((e) => e.type === 'note' && e.step === 'reset-db' && /^committed /.test((e as { message: string }).message));
    expect(commits).toHaveLength(1);
    const artifacts = await readdir(path.join(lab.stateDir, 'runs', runId!, 'artifacts'));
    expect(artifacts.filter((f) => f.startsWith('rows-reset-db')), artifacts.join(', ')).toEqual(['rows-reset-db-attempt2.json']);
    const [after] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${cinder()}\`.volumes WHERE id = ?`, [volume]);
    expect(after).toEqual({ status: 'available', attach_status: 'detached' });
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${cinder()}\`.volume_attachment WHERE volume_id = ? AND deleted = 0`, [volume])).toEqual([]);
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${nova()}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`, [volume, instance])).toEqual([]);
  });
});
