// The dangerous moments, each with a real SIGKILL (DESIGN.md invariants 4, 5, 14, 15):
//  a. a rehearsal killed the instant its state.json exists must never resume wider than its instance;
//  b. a drp killed mid-reboot blocks the next drp (exit 3, naming it) until resumed or abandoned,
//     and a drp after an abandoned one warns loudly about the attachments only that run's map holds;
//  c. a resume refused by the lock writes nothing into the run's directory, not even while
//     another process is driving that run;
//  d. capture-map killed after the map is written but before the step ended reuses that map;
//  e. a rehearsal on an instance sharing a multi-attach volume, killed after clean-db: the volume
//     stays in-use and the other instance's attachment and BDM are untouched.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { runCli, startCli } from '../support/cli.js';
import { allRows, checksums, withoutHeartbeat } from '../support/db-snapshot.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import {
  liveBdms,
  liveCinderAttachments,
  mapPathOf,
  readState,
  runAndKill,
  runDirOf,
  TranscriptTail,
  unrelatedChanges,
  unrestored,
  waitQuiet,
  type KillPoint,
} from '../support/kill-points.js';
import { readEvents, runIds, transcriptOf } from '../support/transcript-watch.js';

const SETTINGS = { latencyMs: 60, rebootMs: 100, attachMs: 50 };

let lab: TestLab;
let config: string;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2, settings: SETTINGS });
  config = await writeLabConfigVariant(lab, 'safety.yaml', (c) => {
    c.api = { ...c.api, concurrency: 1 };
    c.poll = { initial_ms: 30, max_ms: 200, timeout_ms: 60_000 };
  });
}, 120_000);
afterAll(async () => lab?.destroy());

interface Fresh {
  scenario: ScenarioSummary;
  stateDir: string;
  env: Record<string, string>;
  shutoff: string[];
}

/** A new power-loss scenario, counters at zero and a state dir of its own (no run of another test in it). */
async function fresh(label: string, opts: { instances: number; volumes: number; seed: number }): Promise<Fresh> {
  await waitQuiet(lab);
  await lab.setSettings(SETTINGS);
  const scenario = await lab.scenario('power-loss', opts);
  await lab.resetStats();
  const stateDir = join(lab.stateDir, `state-${label}`);
  await mkdir(stateDir, { recursive: true });
  return {
    scenario,
    stateDir,
    env: { ...lab.env, NOVAOPS_CONFIG: config, NOVAOPS_STATE_DIR: stateDir },
    shutoff: scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid),
  };
}

/**
 * "Nothing changed" in the DB: CHECKSUM TABLE of every table, the services table compared row by
 * row without the heartbeat columns the lab itself updates. One entry per table, so a difference
 * names the table.
 */
async function dbFingerprint(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, sum] of Object.entries(await checksums(lab))) if (!table.endsWith('`services`')) out[table] = sum;
  for (const [table, rows] of Object.entries(await allRows(lab))) {
    if (table.endsWith('`services`')) out[table] = JSON.stringify(rows.map((row) => withoutHeartbeat(table, row)));
  }
  return out;
}

/** The bytes of every file of a run directory (artifacts included), by relative path. */
async function runDirBytes(stateDir: string, runId: string): Promise<Record<string, string>> {
  const dir = runDirOf(stateDir, runId);
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[path.slice(dir.length + 1)] = (await readFile(path)).toString('base64');
  }
  return out;
}

/** A live drp on the whole cloud, SIGKILLed after `k` reboots were answered; returns its run id. */
async function killedDuringReboot(f: Fresh, k = 2): Promise<string> {
  const w = await runAndKill({ args: ['run', 'drp', '--yes'], env: f.env, stateDir: f.stateDir, point: { kind: 'mid-reboot', k } });
  expect(w.killed, w.result.stdout + w.result.stderr).toBe(true);
  expect(w.result.signal).toBe('SIGKILL');
  expect(w.runId).toBeDefined();
  const rebooted = w.events.filter((e) => e.type === 'op.end' && e.step === 'reboot' && e.item !== null).length;
  expect(rebooted).toBeGreaterThanOrEqual(k);
  expect(rebooted).toBeLessThan(f.shutoff.length);
  await waitQuiet(lab);
  return w.runId!;
}

function warnNotes(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'note' && e.level === 'warn' ? [e.message] : []));
}

describe('safety at the dangerous moments', () => {
  it('a. a rehearsal killed as soon as its state.json exists never resumes beyond its instance', async () => {
    const f = await fresh('a', { instances: 10, volumes: 14, seed: 31 });
    const x = f.scenario.affectedInstances[0];
    const xName = f.scenario.instances.find((i) => i.uuid === x)!.name;
    const xPairs = f.scenario.attached.filter((p) => p.instance === x);
    const xVolumes = new Set(xPairs.map((p) => p.volume));
    const before = await allRows(lab);

    // By name: resolving it costs a list call, the window a run without its scope would sit in.
    const w = await runAndKill({ args: ['run', 'drp', '--test-instance', xName, '--yes'], env: f.env, stateDir: f.stateDir, point: { kind: 'state-json' }, pollMs: 2 });
    expect(w.killed, w.result.stdout + w.result.stderr).toBe(true);
    expect(w.result.signal).toBe('SIGKILL');
    const expectedScope = { kind: 'instance', ref: xName, uuid: x, name: xName };
    // What the kill left: a run that is resumable already knows its scope.
    const left = w.runId ? await readState(f.stateDir, w.runId) : undefined;
    if (left) expect(left.scope, 'state.json at the moment of the kill').toEqual(expectedScope);
    await waitQuiet(lab);

    const resumed = await runCli(['resume', '--yes'], f.env);
    await waitQuiet(lab);
    const output = resumed.stdout + resumed.stderr;
    const stats = await lab.stats();
    // Whatever happened, nothing outside X: no other reboot, no other row changed.
    expect(Object.keys(stats.rebootsByServer).filter((u) => u !== x), output).toEqual([]);
    expect(Object.keys(stats.attachesByVolume).filter((v) => !xVolumes.has(v)), output).toEqual([]);
    expect(unrelatedChanges(before, await allRows(lab), x, xVolumes), output).toEqual([]);
    if (resumed.code === 2) {
      // Nothing to resume: the run was never resumable, and nothing at all was changed.
      expect(left, output).toBeUndefined();
      expect(stats.rebootsByServer).toEqual({});
    } else {
      expect(resumed.code, output).toBe(0);
      const state = (await readState(f.stateDir, w.runId!))!;
      expect(state.scope).toEqual(expectedScope);
      expect(state.status).toBe('completed');
      expect(stats.rebootsByServer).toEqual({ [x]: 1 });
      expect(await unrestored(lab, xPairs)).toEqual([]);
    }
  });

  it('b. a drp killed mid-reboot blocks the next one until it is abandoned; the next warns loudly', async () => {
    const f = await fresh('b', { instances: 10, volumes: 14, seed: 32 });
    const a = await killedDuringReboot(f);
    const idsBefore = await runIds(f.stateDir);
    const aBytes = await runDirBytes(f.stateDir, a);
    const db = await dbFingerprint();
    await lab.resetStats();

    // 1. Refused, naming the unfinished run and the two ways forward; nothing changed anywhere.
    const refused = await runCli(['run', 'drp', '--yes'], f.env);
    const out = refused.stdout + refused.stderr;
    expect(refused.code, out).toBe(3);
    expect(out).toContain(`unfinished run ${a}`);
    expect(out).toContain(`novaops resume ${a}`);
    expect(out).toContain(`novaops abandon ${a}`);
    expect(out).not.toContain('== Step');
    expect(await dbFingerprint(), 'the DB after the refused run').toEqual(db);
    const stats = await lab.stats();
    expect(stats.mutatingRequests, JSON.stringify(stats.requests)).toBe(0);
    expect(stats.rebootsByServer).toEqual({});
    expect(stats.attachesByVolume).toEqual({});
    expect(await runIds(f.stateDir), 'no run directory for the refused run').toEqual(idsBefore);
    expect(await runDirBytes(f.stateDir, a), 'the unfinished run is not written by the refused one').toEqual(aBytes);

    // 2. Abandoned, on the record.
    const reason = 'kill test: given up on purpose';
    const abandoned = await runCli(['abandon', a, '--reason', reason], f.env);
    expect(abandoned.code, abandoned.stdout + abandoned.stderr).toBe(0);
    expect((await readState(f.stateDir, a))!.status).toBe('abandoned');
    const aEvents = await readEvents(transcriptOf(f.stateDir, a));
    const record = aEvents.find((e) => (e.type as string) === 'run.abandoned');
    expect(record, 'run.abandoned in the transcript').toBeDefined();
    expect(JSON.stringify(record)).toContain(reason);
    const seqs = aEvents.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    // 3. The next drp runs, and says loudly that the abandoned run's attachments are only in its map.
    await lab.resetStats();
    const next = await runCli(['run', 'drp', '--yes'], f.env);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const b = (await runIds(f.stateDir)).find((id) => !idsBefore.includes(id))!;
    expect(b).toBeDefined();
    const bMap = JSON.parse(await readFile(mapPathOf(f.stateDir, b), 'utf8')) as { entries: unknown[] };
    expect(bMap.entries.length).toBeLessThan(f.scenario.attached.length);
    const warnings = warnNotes(await readEvents(transcriptOf(f.stateDir, b))).filter((m) => m.includes('WARNING') && m.includes(a));
    expect(warnings.length, 'a WARNING note naming the abandoned run').toBeGreaterThanOrEqual(1);
    expect(next.stdout).toContain(warnings[0]);
    // The instances the abandoned run had not rebooted yet: rebooted once now; the others not again.
    for (const n of Object.values((await lab.stats()).rebootsByServer)) expect(n).toBe(1);
  });

  it('b. run --abandon-unfinished abandons the unfinished run on the record, then runs', async () => {
    const f = await fresh('b2', { instances: 10, volumes: 14, seed: 33 });
    const c = await killedDuringReboot(f);
    const idsBefore = await runIds(f.stateDir);

    const next = await runCli(['run', 'drp', '--yes', '--abandon-unfinished'], f.env);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect((await readState(f.stateDir, c))!.status).toBe('abandoned');
    expect((await readEvents(transcriptOf(f.stateDir, c))).some((e) => (e.type as string) === 'run.abandoned')).toBe(true);
    const d = (await runIds(f.stateDir)).find((id) => !idsBefore.includes(id))!;
    const warnings = warnNotes(await readEvents(transcriptOf(f.stateDir, d))).filter((m) => m.includes('WARNING') && m.includes(c));
    expect(warnings.length, 'a WARNING note naming the abandoned run').toBeGreaterThanOrEqual(1);
    expect((await readState(f.stateDir, d))!.status).toBe('completed');
  });

  it('c. a resume refused by the lock writes nothing into the run directory', async () => {
    const f = await fresh('c', { instances: 10, volumes: 14, seed: 34 });
    const a = await killedDuringReboot(f, 1);
    const transcript = transcriptOf(f.stateDir, a);

    // 1. The lock held by someone else (here: this test's own DB connection): byte for byte nothing.
    // The lock is on nova_api where the cells are mapped (every lab is), on nova otherwise.
    const lockName = `novaops:${lab.info.db.schemas.novaApi ?? lab.info.db.schemas.nova}`.slice(0, 64);
    const [got] = await lab.rootQuery<{ l: number }[]>('SELECT GET_LOCK(?, 0) AS l', [lockName]);
    expect(Number(got.l)).toBe(1);
    const bytes = await runDirBytes(f.stateDir, a);
    let held;
    try {
      held = await runCli(['resume', a, '--yes'], f.env);
    } finally {
      await lab.rootQuery('SELECT RELEASE_LOCK(?)', [lockName]);
    }
    expect(held.code, held.stdout + held.stderr).toBe(3);
    expect(held.stdout + held.stderr).toContain('holds the lock');
    expect(await runDirBytes(f.stateDir, a), 'run directory after the refused resume').toEqual(bytes);

    // 2. The lock held by a process driving this very run (P1, slowed down): P2 is refused and
    //    leaves no trace in the files P1 is writing.
    await lab.setSettings({ latencyMs: 400 });
    const tail = await TranscriptTail.fromEnd(transcript);
    const p1 = startCli(['resume', a, '--yes'], f.env);
    const p1Pid = p1.child.pid!;
    let p1Attempts = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      expect(Date.now(), 'P1 under way').toBeLessThan(deadline);
      expect(p1.child.exitCode, 'P1 still running').toBeNull();
      const state = await readState(f.stateDir, a);
      const events = await tail.update();
      if (state?.pid === p1Pid && events.some((e) => e.type === 'step.start')) {
        p1Attempts = state.attempts;
        break;
      }
      await sleep(10);
    }
    const p2 = startCli(['resume', a, '--yes'], f.env);
    const p2Pid = p2.child.pid!;
    let p2Done = false;
    void p2.done.then(() => (p2Done = true));
    const pidsSeen = new Set<number>();
    const attemptsSeen = new Set<number>();
    while (!p2Done) {
      const state = await readState(f.stateDir, a);
      if (state) {
        pidsSeen.add(state.pid);
        attemptsSeen.add(state.attempts);
      }
      await sleep(3);
    }
    const r2 = await p2.done;
    const p1StillRunning = p1.child.exitCode === null && p1.child.signalCode === null;
    const events = await readEvents(transcript);
    p1.child.kill('SIGKILL');
    await p1.done;

    expect(r2.code, r2.stdout + r2.stderr).toBe(3);
    expect(r2.stdout + r2.stderr).toContain('holds the lock');
    expect(p1StillRunning, 'P1 was still driving the run when P2 was refused').toBe(true);
    expect([...pidsSeen], 'state.json pid while P2 ran').not.toContain(p2Pid);
    expect([...attemptsSeen], 'state.json attempts while P2 ran').not.toContain(p1Attempts + 1);
    expect(events.filter((e) => e.type === 'run.end' && e.outcome === 'refused'), 'no refusal in the transcript').toEqual([]);
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size, 'no duplicate seq').toBe(seqs.length);
    const attempts = events.filter((e) => e.type === 'run.start').map((e) => (e as { attempt: number }).attempt);
    expect(attempts).not.toContain(p1Attempts + 1);
    expect(attempts.at(-1)).toBe(p1Attempts);

    // 3. P1 killed too; a resume finishes the run, one reboot per instance.
    await lab.setSettings(SETTINGS);
    await waitQuiet(lab, 400);
    const last = await runCli(['resume', a, '--yes'], f.env);
    expect(last.code, last.stdout + last.stderr).toBe(0);
    await waitQuiet(lab);
    expect((await lab.stats()).rebootsByServer).toEqual(Object.fromEntries(f.shutoff.map((u) => [u, 1])));
    expect(await unrestored(lab, f.scenario.attached)).toEqual([]);
    expect((await readState(f.stateDir, a))!.status).toBe('completed');
  });

  it('d. killed after the map is written but before capture-map ends: the resume reuses that map', async () => {
    let hit: { f: Fresh; runId: string; map: string } | undefined;
    const misses: string[] = [];
    // The window is a few fsyncs wide; inotify sees the rename at once. A kill that lands after
    // step.end is not this case: try again on a fresh scenario (and a fresh state dir).
    for (let attempt = 1; attempt <= 5 && !hit; attempt++) {
      const f = await fresh(`d${attempt}`, { instances: 10, volumes: 14, seed: 35 });
      const point: KillPoint = { kind: 'map-json' };
      const w = await runAndKill({ args: ['run', 'drp', '--yes'], env: f.env, stateDir: f.stateDir, point, pollMs: 1 });
      expect(w.killed, w.result.stdout + w.result.stderr).toBe(true);
      const ended = w.events.some((e) => e.type === 'step.end' && e.step === 'capture-map');
      if (ended || !w.runId) {
        misses.push(`attempt ${attempt}: ${w.events.length} event(s), capture-map ended: ${ended}`);
        continue;
      }
      hit = { f, runId: w.runId, map: await readFile(mapPathOf(f.stateDir, w.runId), 'utf8') };
    }
    expect(hit, `the kill never landed inside capture-map: ${misses.join('; ')}`).toBeDefined();
    const { f, runId, map } = hit!;
    expect(JSON.parse(map).entries.length).toBe(f.scenario.attached.length);
    await waitQuiet(lab);

    const tail = await TranscriptTail.fromEnd(transcriptOf(f.stateDir, runId));
    const resumed = await runCli(['resume', runId, '--yes'], f.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const events = await tail.update();
    const notes = events.flatMap((e) => (e.type === 'note' && e.step === 'capture-map' ? [e.message] : []));
    expect(notes.some((m) => m.includes('reusing the volume map')), notes.join('\n')).toBe(true);
    expect(notes.some((m) => m.includes('written to')), 'captured again').toBe(false);
    expect(await readFile(mapPathOf(f.stateDir, runId), 'utf8')).toBe(map);
    await waitQuiet(lab);
    expect((await lab.stats()).rebootsByServer).toEqual(Object.fromEntries(f.shutoff.map((u) => [u, 1])));
    expect(await unrestored(lab, f.scenario.attached)).toEqual([]);
    if (misses.length > 0) console.log(`[safety d] inside capture-map after ${misses.length} miss(es): ${misses.join('; ')}`);
  });

  it('e. a rehearsal on an instance sharing a multi-attach volume, killed after clean-db, leaves the other attachment alone', async () => {
    const f = await fresh('e', { instances: 10, volumes: 14, seed: 36 });
    const multi = f.scenario.multiattach!;
    expect(multi, 'the scenario has a multi-attach volume').not.toBeNull();
    const x = multi.attachments[0].instance;
    const y = multi.attachments[1].instance;
    expect(x).not.toBe(y);
    const xPairs = f.scenario.attached.filter((p) => p.instance === x);
    const xVolumes = new Set(xPairs.map((p) => p.volume));
    const cinder = `\`${lab.info.db.schemas.cinder}\``;
    const nova = `\`${lab.info.db.schemas.nova}\``;
    const yRows = async () => ({
      attachments: await lab.rootQuery(`SELECT * FROM ${cinder}.volume_attachment WHERE volume_id = ? AND instance_uuid = ? ORDER BY id`, [multi.volume, y]),
      bdms: await lab.rootQuery(`SELECT * FROM ${nova}.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? ORDER BY id`, [multi.volume, y]),
    });
    const volumeStatus = async () =>
      (await lab.rootQuery<{ status: string }[]>(`SELECT status FROM ${cinder}.volumes WHERE id = ?`, [multi.volume]))[0].status;
    const before = await allRows(lab);
    const yBefore = await yRows();
    expect(yBefore.attachments).toHaveLength(1);
    expect(yBefore.bdms).toHaveLength(1);
    expect(await volumeStatus()).toBe('in-use');

    const w = await runAndKill({ args: ['run', 'drp', '--test-instance', x, '--yes'], env: f.env, stateDir: f.stateDir, point: { kind: 'after-clean-db' } });
    expect(w.killed, w.result.stdout + w.result.stderr).toBe(true);
    expect(w.events.some((e) => e.type === 'step.end' && e.step === 'clean-db' && e.outcome === 'done')).toBe(true);
    await waitQuiet(lab);

    // Stopped between step 2 and step 4: the shared volume is still in use by Y, Y's rows as they
    // were, X's attachment rows and BDMs cleaned.
    expect(await volumeStatus(), 'the multi-attach volume while Y still holds it').toBe('in-use');
    expect(JSON.stringify(await yRows()), "Y's attachment and BDM").toBe(JSON.stringify(yBefore));
    expect(await liveCinderAttachments(lab, xPairs), "X's live attachment rows").toBe(0);
    expect(await liveBdms(lab, xPairs), "X's live BDMs").toBe(0);
    expect(unrelatedChanges(before, await allRows(lab), x, xVolumes)).toEqual([]);

    const resumed = await runCli(['resume', w.runId!, '--yes'], f.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    await waitQuiet(lab);
    expect(await unrestored(lab, xPairs)).toEqual([]);
    expect(JSON.stringify(await yRows()), "Y's attachment and BDM after the resume").toBe(JSON.stringify(yBefore));
    expect(await volumeStatus()).toBe('in-use');
    expect(unrelatedChanges(before, await allRows(lab), x, xVolumes)).toEqual([]);
    expect((await lab.stats()).rebootsByServer).toEqual({ [x]: 1 });
    expect((await readState(f.stateDir, w.runId!))!.scope).toEqual({ kind: 'instance', ref: x, uuid: x, name: f.scenario.instances.find((i) => i.uuid === x)!.name });
  });
});
