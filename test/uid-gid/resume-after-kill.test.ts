// uid-gid SIGKILLed in the middle of a host's item — the moment the journal acknowledges its first
// usermod — then `novaops resume --yes`: the run finishes, no acknowledged operation runs again
// (the services stopped and started once each, by the stub's log and by the journal), and every
// file ends on its account's new id.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readState, runDirOf } from '../support/kill-points.js';
import { readEvents, runIds, transcriptOf } from '../support/transcript-watch.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { applyScenario, hostPaths } from '../../src/lab/index.js';
import { entries, expectTargets, ids, serviceLog, serviceState, TARGET_ARGS, wrongOwners } from './support.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
});
afterAll(async () => lab?.destroy());

interface JournalLine {
  step: string;
  key: string;
  status: string;
  op?: number;
}

async function journal(runId: string): Promise<JournalLine[]> {
  const text = await readFile(path.join(runDirOf(lab.stateDir, runId), 'items.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as JournalLine] : [];
    } catch {
      return [];
    }
  });
}

const attemptOf = (events: EngineEvent[], n: number) => {
  const start = events.findIndex((e) => e.type === 'run.start' && (e as { attempt: number }).attempt === n);
  const next = events.findIndex((e, i) => i > start && e.type === 'run.start');
  return start < 0 ? [] : events.slice(start, next < 0 ? undefined : next);
};

describe('uid-gid killed after the first usermod is acknowledged, then resumed', () => {
  it('finishes without repeating an acknowledged operation', async () => {
    const host = 'compute1';
    const s = await applyScenario(lab.info, 'uid-mismatch', { files: 20_000, seed: 9 });
    const before = entries(hostPaths(lab.info.dir, host).root);
    const known = new Set(await runIds(lab.stateDir));
    const proc = startCli(['run', 'uid-gid', '--hosts', host, ...TARGET_ARGS, '--yes'], lab.env);
    let exited = false;
    void proc.done.then(() => (exited = true));
    let runId: string | undefined;
    // The item's operations: 0-1 stop the services, 2 is the first usermod (libvirt-qemu 112→119, compute1's chain).
    const usermodAcked = (j: JournalLine[]) => j.some((l) => l.key === `ids:${host}` && l.status === 'op-done' && l.op === 2);
    const deadline = Date.now() + 90_000;
    while (!exited && Date.now() < deadline) {
      runId ??= (await runIds(lab.stateDir)).filter((id) => !known.has(id)).pop();
      if (runId && usermodAcked(await journal(runId))) {
        proc.child.kill('SIGKILL');
        break;
      }
      await sleep(2);
    }
    const first = await proc.done;
    expect(first.signal, first.stdout + first.stderr).toBe('SIGKILL');
    const acked1 = new Set((await journal(runId!)).filter((l) => l.status === 'op-done').map((l) => l.op!));
    expect(acked1.has(2)).toBe(true);
    // Killed mid-item: libvirt-qemu moved, the services still stopped, nova not yet on its target.
    expect(ids(hostPaths(lab.info.dir, host).passwd).get('libvirt-qemu')).toBe(119);
    expect(ids(hostPaths(lab.info.dir, host).passwd).get('nova')).toBe(108);
    expect(serviceState(lab.info.dir, host, 'nova-compute')).toBe('inactive');
    expect((await readState(lab.stateDir, runId!))?.status).not.toBe('completed');

    const resumed = await runCli(['resume', '--yes'], lab.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await readState(lab.stateDir, runId!))?.status).toBe('completed');

    // Each operation at most once: by the stub's log, by the journal, by the transcript.
    expect(serviceLog(lab.info.dir, host)).toEqual(['stop nova-compute', 'stop libvirtd', 'start libvirtd', 'start nova-compute']);
    const opDone = (await journal(runId!)).filter((l) => l.status === 'op-done').map((l) => l.op!);
    expect(opDone.length).toBe(new Set(opDone).size);
    const events = await readEvents(transcriptOf(lab.stateDir, runId!));
    const plannedSummaries = attemptOf(events, 1).flatMap((e) => (e.type === 'op.planned' && e.item === `ids:${host}` ? [e.op.summary] : []));
    const startedAgain = attemptOf(events, 2).flatMap((e) => (e.type === 'op.start' && e.item === `ids:${host}` ? [e.summary] : []));
    expect(startedAgain.length).toBeGreaterThan(0);
    for (const i of acked1) expect(startedAgain, `operation ${i} ran again`).not.toContain(plannedSummaries[i]);

    expect(wrongOwners(lab.info.dir, s, host, before)).toEqual([]);
    expectTargets(lab.info.dir, host);
    expect(serviceState(lab.info.dir, host, 'nova-compute')).toBe('active');
    expect(serviceState(lab.info.dir, host, 'libvirtd')).toBe('active');
  });
});
