import { mkdtemp, readdir, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineRuleError } from '../../src/engine/errors.js';
import type { RunLock } from '../../src/engine/lock.js';
import { listRuns, newRunId, readItemRecords, RunStore, type RunState } from '../../src/engine/run-store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function state(runId: string): RunState {
  const now = new Date().toISOString();
  return {
    runId, runbook: 'drp', version: '1', params: {}, mode: 'live', scope: { kind: 'cloud' }, cloud: 'c', operator: 'op', host: 'h',
    pid: 1, status: 'running', createdAt: now, updatedAt: now, attempts: 1, steps: {}, facts: {},
  };
}

describe('RunStore', () => {
  it('journals thousands of concurrent acknowledgements and folds them to the latest per item', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-store-'));
    dirs.push(dir);
    const store = await RunStore.create(dir, state(newRunId('drp')));
    await Promise.all(Array.from({ length: 2000 }, (_, i) => store.record({ step: 'reboot', key: `k${i}`, status: 'started' })));
    await Promise.all(Array.from({ length: 1000 }, (_, i) => store.record({ step: 'reboot', key: `k${i}`, status: 'done' })));
    await store.record({ step: 'reboot', key: 'k1', status: 'started' });
    const records = await store.itemRecords();
    expect(records.size).toBe(2000);
    expect(records.get('reboot\u0000k0')?.status).toBe('done');
    expect(records.get('reboot\u0000k1999')?.status).toBe('started');
    await store.close();
    const lines = (await readFile(join(store.dir, 'items.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3001);
  });

  it('keeps the first start time of an item started twice, and survives a torn last line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-store-'));
    dirs.push(dir);
    const path = join(dir, 'items.jsonl');
    await appendFile(path, `${JSON.stringify({ step: 's', key: 'a', status: 'started', ts: '2026-01-01T00:00:00.000Z' })}\n`);
    await appendFile(path, `${JSON.stringify({ step: 's', key: 'a', status: 'started', ts: '2026-01-02T00:00:00.000Z' })}\n`);
    await appendFile(path, '{"step":"s","key":"b","sta');
    const records = await readItemRecords(path);
    expect(records.get('s\u0000a')?.ts).toBe('2026-01-01T00:00:00.000Z');
    expect(records.has('s\u0000b')).toBe(false);
  });

  it('keeps an item done when a later attempt holds it back, and folds acknowledged operations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-store-'));
    dirs.push(dir);
    const path = join(dir, 'items.jsonl');
    const line = (r: object) => `${JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', ...r })}\n`;
    await appendFile(path, line({ step: 's', key: 'a', status: 'done' }) + line({ step: 's', key: 'a', status: 'held', detail: 'moved on' }));
    await appendFile(path, line({ step: 's', key: 'b', status: 'started' }) + line({ step: 's', key: 'b', status: 'op-done', op: 0 }) + line({ step: 's', key: 'b', status: 'op-done', op: 1, command: 'touch x' }));
    await appendFile(path, line({ step: 's', key: 'c', status: 'op-done', op: 0 }) + line({ step: 's', key: 'c', status: 'failed', undone: true }));
    const { readItemJournal } = await import('../../src/engine/run-store.js');
    const journal = await readItemJournal(path);
    expect(journal.items.get('s\u0000a')?.status).toBe('done');
    expect(journal.items.get('s\u0000b')?.status).toBe('started');
    expect(journal.opsDone.get('s\u0000b')).toEqual([{ index: 0 }, { index: 1, command: 'touch x' }]);
    expect(journal.opsDone.has('s\u0000c')).toBe(false);
  });

  it('is born whole: built under a dot-name no listing reads; builds a kill left an hour ago are cleared', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-store-'));
    dirs.push(dir);
    const { mkdir, utimes, readdir } = await import('node:fs/promises');
    const stale = join(dir, 'runs', '.20250101-000000-drp-aaaa.creating');
    const fresh = join(dir, 'runs', '.20250101-000000-drp-bbbb.creating');
    await mkdir(stale, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    expect(await listRuns(dir)).toEqual([]);
    const store = await RunStore.create(dir, state('20260101-000000-drp-abcd'));
    await store.close();
    expect((await readdir(join(dir, 'runs'))).sort()).toEqual(['.20250101-000000-drp-bbbb.creating', '20260101-000000-drp-abcd']);
    expect((await listRuns(dir)).map((r) => r.runId)).toEqual(['20260101-000000-drp-abcd']);
  });

  it('writes state.json atomically and lists runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-store-'));
    dirs.push(dir);
    const store = await RunStore.create(dir, state('20260101-000000-drp-abcd'));
    store.state.facts.x = 1;
    await store.save();
    await store.close();
    const runs = await listRuns(dir);
    expect(runs.map((r) => [r.runId, r.facts.x])).toEqual([['20260101-000000-drp-abcd', 1]]);
  });
});

describe('transcript after a torn line', () => {
  it('starts the next event on a line of its own', async () => {
    const { SyncAppender } = await import('../../src/effects/files/journal.js');
    const dir = await mkdtemp(join(tmpdir(), 'novaops-transcript-'));
    dirs.push(dir);
    const path = join(dir, 'transcript.jsonl');
    await appendFile(path, '{"seq":1}\n{"seq":2,"type":"op.pl');
    const appender = new SyncAppender(path);
    appender.append('{"seq":3}');
    appender.close();
    expect(await readFile(path, 'utf8')).toBe('{"seq":1}\n{"seq":2,"type":"op.pl\n{"seq":3}\n');
  });
});

/** Every file under a run directory with its bytes: "nothing written" compares two of these. */
async function dirBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

/** A RunLock as acquireRunLock returns it: held until released. */
function lockValue(): RunLock {
  let released = false;
  return { held: () => !released, release: async () => void (released = true) };
}

// Invariant 14: a store opened from disk (a resume, an abandon) writes nothing into the run's
// directory until claim() is handed a lock this process holds.
describe('RunStore: writes only after claim(lock)', () => {
  it('refuses save, record and artifacts on an opened store, and a claim with a released lock; writes once claimed', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'novaops-claim-'));
    dirs.push(stateDir);
    const runId = newRunId('drp');
    const created = await RunStore.create(stateDir, state(runId));
    await created.record({ step: 'reboot', key: 'k0', status: 'done' });
    await created.artifacts.write('volume-map.json', '{"entries":[]}');
    await created.close();
    const before = await dirBytes(created.dir);

    const opened = await RunStore.open(stateDir, runId);
    expect(opened.writable).toBe(false);
    opened.state.status = 'completed';
    await expect(opened.save()).rejects.toThrow(EngineRuleError);
    await expect(opened.save()).rejects.toThrow(`refused to save state.json of run ${runId}: this process does not hold its lock`);
    await expect(opened.record({ step: 'reboot', key: 'k1', status: 'started' })).rejects.toThrow(`refused to journal an item of run ${runId}`);
    await expect(opened.artifacts.write('volume-map.json', '{"entries":["other"]}')).rejects.toThrow(`refused to write an artifact of run ${runId}`);
    await expect(opened.artifacts.stream('rows-x.json')).rejects.toThrow(`refused to write an artifact of run ${runId}`);

    // A lock released (the run that held it ended) is no lock at all.
    const released = lockValue();
    await released.release();
    expect(() => opened.claim(released)).toThrow(EngineRuleError);
    expect(opened.writable).toBe(false);
    await expect(opened.save()).rejects.toThrow(EngineRuleError);
    await opened.close();
    expect(await dirBytes(opened.dir), 'the run directory after the refused writes').toEqual(before);

    // With the lock in hand, the same store writes.
    const held = lockValue();
    opened.claim(held);
    expect(opened.writable).toBe(true);
    await opened.save();
    await opened.record({ step: 'reboot', key: 'k1', status: 'started' });
    await opened.close();
    expect(JSON.parse(await readFile(join(opened.dir, 'state.json'), 'utf8')).status).toBe('completed');
    expect((await readItemRecords(join(opened.dir, 'items.jsonl'))).get('reboot\u0000k1')?.status).toBe('started');
  });
});
