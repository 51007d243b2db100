// Invariant 5, the read-back half: the volume map is read back after its durable write, and
// storage that returns other bytes than were written stops the run before the DB cleanup. The
// storage fault is injected under the real engine, the real drp and a real lab.
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurableFs } from '../../src/effects/files/durable-write.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { drp } from '../../runbooks/drp/runbook.js';
import { checksums } from '../support/db-snapshot.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;

beforeAll(async () => {
  lab = await createTestLab();
  await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 3 });
  engine = await labEngine(lab);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

/** Real storage, except that reading volume-map.json back returns one byte changed (bit rot, a lying cache). */
const lyingStorage: DurableFs = {
  open: (file, flags, mode) => fs.open(file, flags, mode),
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
  async readFile(file, encoding) {
    const text = await fs.readFile(file, encoding);
    return file.endsWith('/volume-map.json') ? text.replace('/dev/vd', '/dev/xd') : text;
  },
};

describe('the volume map read back', () => {
  it('other bytes than were written stop the run before the cleanup; nothing changes', async () => {
    const before = await checksums(lab);
    await lab.resetStats();
    const { events, ...result } = await engine.run(drp as Runbook, { params: { sshReboot: false }, files: lyingStorage });
    expect(result.outcome).toBe('failed');
    const ends = events.filter((e): e is Extract<EngineEvent, { type: 'step.end' }> => e.type === 'step.end');
    expect(ends.map((e) => [e.step, e.outcome])).toEqual([['preflight', 'done'], ['capture-map', 'failed']]);
    expect(ends[1].detail).toMatch(/the volume map read back from \S+volume-map\.json differs from what was written; the DB cleanup will not run/);
    expect(events.some((e) => e.type === 'step.start' && e.step === 'clean-db')).toBe(false);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });
});
