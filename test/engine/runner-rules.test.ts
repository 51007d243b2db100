// The engine's safety rules (DESIGN.md section 3), each shown with a small runbook run through
// the real runner against a lab: real MariaDB, real subprocesses on a simulated compute host.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { Effects } from '../../src/effects/types.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { DamagedRunError, EngineRuleError, ExitCode } from '../../src/engine/errors.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { assumeYes, type Prompter } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook, Step } from '../../src/engine/runbook.js';
import { RunStore } from '../../src/engine/run-store.js';
import { resumeRun, startRun, type RunResult } from '../../src/engine/runner.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';
import { drp } from '../../runbooks/drp/runbook.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, LAB_DB_URL, type TestLab } from '../support/lab.js';

let lab: TestLab;
let config: NovaopsConfig;
let effects: Effects;
let marks: string;

beforeAll(async () => {
  lab = await createTestLab();
  config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env } });
  effects = createEffects(config);
  marks = join(lab.stateDir, 'marks');
  await import('node:fs/promises').then((fs) => fs.mkdir(marks, { recursive: true }));
});
afterAll(async () => {
  await effects?.close();
  await lab?.destroy();
});
beforeEach(async () => {
  await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 4, liveSession: true });
});

function touch(name: string, instance = 'i-1'): ShellOperation {
  return { kind: 'shell', host: 'compute1', argv: ['touch', join(marks, name)], mutating: true, summary: `touch ${name}`, target: { instance }, command: `touch ${name}` };
}
const fail: ShellOperation = { kind: 'shell', host: 'compute1', argv: ['false'], mutating: true, summary: 'fail', target: { instance: 'i-1' }, command: 'false' };

function step(id: string, ops: ShellOperation[], extra: Partial<Step> = {}): Step {
  return { id, title: `step ${id}`, changes: 'marks', unguarded: 'a test step', async plan() { return { items: ops.map((op, i) => ({ key: `${id}-${i}`, summary: op.summary, target: op.target, ops: [op] })) }; }, ...extra };
}

// Each test runs its own runbook id: an unfinished (failed, blocked) run of one test blocks new runs
// of the same runbook on this cloud (invariant 15), and must not be why a later test's run stops.
let runbooks = 0;
function runbook(steps: Step[], extra: Partial<Runbook> = {}): Runbook {
  return { id: `rules-${++runbooks}`, title: 'rules', version: '0', reference: 'test', summary: 'test', options: [], params: z.object({}).passthrough(), steps, ...extra };
}

async function run(rb: Runbook, opts: { mode?: 'live' | 'dry-run'; testInstance?: string; prompter?: Prompter } = {}): Promise<RunResult & { events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const result = await startRun(
    { runbook: rb, params: {}, mode: opts.mode ?? 'live', testScope: opts.testInstance },
    { config, effects, prompter: opts.prompter ?? assumeYes, redactor: new Redactor(configSecrets(config)), onBus: (bus) => bus.subscribe((e) => events.push(e)) },
  );
  return { ...result, events };
}

const marked = (name: string) => existsSync(join(marks, name));

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const stepEnds = (events: EngineEvent[]) => events.filter((e): e is Ev<'step.end'> => e.type === 'step.end').map((e) => ({ step: e.step, outcome: e.outcome, detail: e.detail }));
const runEnd = (events: EngineEvent[]) => events.find((e): e is Ev<'run.end'> => e.type === 'run.end')!;

describe('invariant 1: order', () => {
  it('runs no step after a failed non-optional one, optional ones included', async () => {
    const result = await run(runbook([step('a', [touch('o-a')]), step('b', [fail]), step('c', [touch('o-c')]), step('d', [touch('o-d')], { optional: true, enabled: () => true })]));
    expect({ outcome: result.outcome, exitCode: result.exitCode, error: result.error }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed, error: undefined });
    expect([marked('o-a'), marked('o-c'), marked('o-d')]).toEqual([true, false, false]);
    expect(result.events.filter((e) => e.type === 'step.start').map((e) => (e as { step: string }).step)).toEqual(['a', 'b']);
    // It stopped because step b's item failed (`false` exited 1), nothing else.
    expect(stepEnds(result.events)).toEqual([
      { step: 'a', outcome: 'done', detail: '1 done, 0 failed, 0 held back' },
      { step: 'b', outcome: 'failed', detail: '0 done, 1 failed, 0 held back' },
    ]);
    expect(result.events.find((e) => e.type === 'item' && e.step === 'b')).toMatchObject({ key: 'b-0', status: 'failed', detail: expect.stringMatching(/^exit 1\b/) });
    expect(runEnd(result.events).summary).toMatch(/^step 1 \(step b\) failed: 0 done, 1 failed/);
  });

  it('goes on after a failed optional step', async () => {
    const result = await run(runbook([step('a', [fail], { optional: true, enabled: () => true }), step('b', [touch('o-b')])]));
    expect(marked('o-b')).toBe(true);
    expect({ outcome: result.outcome, exitCode: result.exitCode, error: result.error }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed, error: undefined });
    // Failed because of the optional step a, whose failure did not stop step b.
    expect(stepEnds(result.events)).toEqual([
      { step: 'a', outcome: 'failed', detail: '0 done, 1 failed, 0 held back' },
      { step: 'b', outcome: 'done', detail: '1 done, 0 failed, 0 held back' },
    ]);
    expect(runEnd(result.events).summary).toMatch(/^step 0 \(step a\) failed: 0 done, 1 failed/);
  });
});

describe('invariant 1 with steps that apply by condition (appliesWhen)', () => {
  it('marks a step whose condition does not hold not applicable once, never plans it, and a resume goes on past it', async () => {
    let planned = 0;
    const gate = join(marks, 'na-gate');
    const gated: ShellOperation = { ...fail, argv: ['test', '-e', gate], summary: 'the gate is open', command: `test -e ${gate}` };
    const notForThisRun = step('b', [touch('na-b')], {
      appliesWhen: { describe: '--method db', test: (p) => (p as { method?: string }).method === 'db' },
      async plan() {
        planned += 1;
        return { items: [] };
      },
    });
    const rb = runbook([step('a', [touch('na-a')]), notForThisRun, step('c', [gated])]);
    const first = await run(rb);
    expect(first.outcome).toBe('failed');
    expect(first.events.filter((e) => e.type === 'step.start').map((e) => (e as Ev<'step.start'>).step)).toEqual(['a', 'c']);
    expect(first.events.filter((e) => e.type === 'step.not-applicable')).toEqual([expect.objectContaining({ step: 'b', title: 'step b', index: 1, condition: '--method db' })]);
    expect(stepEnds(first.events).map((e) => e.step)).toEqual(['a', 'c']);
    expect({ planned, b: marked('na-b') }).toEqual({ planned: 0, b: false });
    const saved = JSON.parse(await readFile(join(first.runDir!, 'state.json'), 'utf8')) as { steps: Record<string, { status: string; detail?: string }> };
    expect(saved.steps.b).toMatchObject({ status: 'not-applicable', detail: 'not applicable: only with --method db' });

    // The resume finds b passed, like a done step: it does not stop the order there, nor says it again.
    await writeFile(gate, '');
    const events: EngineEvent[] = [];
    const store = await RunStore.open(config.stateDir, first.runId);
    const resumed = await resumeRun(rb, store, { config, effects, prompter: assumeYes, redactor: new Redactor([]), onBus: (b) => b.subscribe((e) => events.push(e)) });
    expect(resumed.outcome).toBe('completed');
    expect(events.filter((e) => e.type === 'step.start').map((e) => (e as Ev<'step.start'>).step)).toEqual(['c']);
    expect(events.some((e) => e.type === 'step.not-applicable')).toBe(false);
    expect(stepEnds(events)).toEqual([{ step: 'c', outcome: 'done', detail: '1 done, 0 failed, 0 held back' }]);
    expect({ planned, b: marked('na-b') }).toEqual({ planned: 0, b: false });
  });
});

describe('invariant 2: guards', () => {
  it('a failed guard blocks its step even with --yes, and is shown', async () => {
    const guarded = step('g', [touch('g-1')], { guards: [{ name: 'never', describe: 'always fails', async check() { return { ok: false, detail: 'nope' }; } }] });
    const result = await run(runbook([guarded, step('after', [touch('g-2')])]));
    expect(result.exitCode).toBe(ExitCode.refused);
    // It had changed nothing: refused, and over (run-outcome.test.ts shows the blocked case).
    expect(result.outcome).toBe('refused');
    expect(result.error).toBeUndefined();
    expect([marked('g-1'), marked('g-2')]).toEqual([false, false]);
    expect(stepEnds(result.events)).toEqual([{ step: 'g', outcome: 'blocked', detail: 'guard "never" failed: nope' }]);
    expect(runEnd(result.events).summary).toBe('refused at step 0 (step g): guard "never" failed: nope — nothing was changed; run again once that is put right');
    expect(result.events.find((e) => e.type === 'guard')).toMatchObject({ name: 'never', ok: false, detail: 'nope' });
  });
});

describe('invariant 3: dry-run', () => {
  it('records mutating operations without executing them', async () => {
    const result = await run(runbook([step('a', [touch('d-1')]), step('b', [touch('d-2')])]), { mode: 'dry-run' });
    expect(result.outcome).toBe('planned');
    expect([marked('d-1'), marked('d-2')]).toEqual([false, false]);
    expect(result.events.filter((e) => e.type === 'op.planned')).toHaveLength(2);
    expect(result.events.some((e) => e.type === 'op.start')).toBe(false);
  });

  it('refuses a mutating operation passed off as discovery', async () => {
    const sneaky: Step = { id: 's', title: 's', changes: 'none', readOnly: true, async plan(ctx) { await ctx.read(touch('d-3') as never); return { items: [] }; } };
    const result = await run(runbook([sneaky]), { mode: 'dry-run' });
    expect(marked('d-3')).toBe(false);
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(ExitCode.failed);
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toBe('step s: "touch d-3" is mutating and cannot run as discovery');
    expect(stepEnds(result.events)).toEqual([{ step: 's', outcome: 'failed', detail: 'step s: "touch d-3" is mutating and cannot run as discovery' }]);
    expect(result.events.some((e) => e.type === 'op.start')).toBe(false);
  });
});

describe('invariant 4: test mode', () => {
  it('refuses an operation on another instance than the chosen one', async () => {
    const rb = runbook([step('a', [touch('t-mine', 'inst-1'), touch('t-other', 'inst-2')])], {
      testScope: 'instance',
      async resolveTestScope() { return { kind: 'instance', uuid: 'inst-1' }; },
    });
    const result = await run(rb, { testInstance: 'inst-1' });
    const refusal = 'refused: "touch t-other" targets inst-2 but this run is scoped to instance inst-1';
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed });
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toBe(refusal);
    expect(stepEnds(result.events)).toEqual([{ step: 'a', outcome: 'failed', detail: refusal }]);
    expect([marked('t-mine'), marked('t-other')]).toEqual([false, false]);
    expect(result.events.some((e) => e.type === 'op.start')).toBe(false);
  });

  // uid-gid's own targets never name another host, so only a runbook that does reaches this check.
  it('refuses an operation on another host than the chosen one (--test-host)', async () => {
    const onHost = (name: string, host: string): ShellOperation => ({ ...touch(name), target: { host }, summary: `touch ${name}` });
    const rb = runbook([step('a', [onHost('h-mine', 'compute1'), onHost('h-other', 'compute2')])], {
      testScope: 'host',
      async resolveTestScope() { return { kind: 'host', name: 'compute1' }; },
    });
    const result = await run(rb, { testInstance: 'compute1' });
    const refusal = 'refused: "touch h-other" targets host compute2 but this run is scoped to host compute1';
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed });
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toBe(refusal);
    expect(stepEnds(result.events)).toEqual([{ step: 'a', outcome: 'failed', detail: refusal }]);
    expect([marked('h-mine'), marked('h-other')]).toEqual([false, false]);
    expect(result.events.some((e) => e.type === 'op.start')).toBe(false);
  });
});

describe('invariant 7: one transaction per step, rows saved first', () => {
  const nova = () => lab.info.db.schemas.nova;

  function moveHosts(extraSql?: string): Step {
    return {
      id: 'move',
      title: 'move',
      changes: 'instances.host',
      unguarded: 'a test step',
      async plan(ctx) {
        const { rows = [] } = await ctx.read(selectRows('nova', 'instances', 'SELECT uuid FROM instances WHERE deleted = 0 ORDER BY id LIMIT 3'));
        const ops = rows.map((r) =>
          updateRows('nova', `move ${r.uuid}`, 'UPDATE instances SET host = ? WHERE uuid = ?', ['elsewhere', String(r.uuid)], { instance: String(r.uuid) }, { table: 'instances', key: 'id', where: 'uuid = ?', params: [String(r.uuid)] }),
        );
        if (extraSql) ops.push(updateRows('nova', 'broken', extraSql, [], { instance: String(rows[0].uuid) }, { table: 'instances', key: 'id', where: 'uuid = ?', params: [String(rows[0].uuid)] }));
        return { items: ops.map((op, i) => ({ key: `m${i}`, summary: op.summary, target: op.target, ops: [op] })) };
      },
    };
  }

  it('rolls the whole step back when one statement fails', async () => {
    const before = await checksums(lab);
    const result = await run(runbook([moveHosts('UPDATE instances SET no_such_column = 1')]));
    expect({ outcome: result.outcome, exitCode: result.exitCode, error: result.error }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed, error: undefined });
    // Failed on the broken statement, after the three good ones ran in the same transaction.
    const ends = result.events.filter((e): e is Ev<'op.end'> => e.type === 'op.end' && e.item !== null);
    expect(ends.map((e) => [e.item, e.ok])).toEqual([['m0', true], ['m1', true], ['m2', true], ['m3', false]]);
    expect(ends[3].error).toMatch(/ER_BAD_FIELD_ERROR: Unknown column 'no_such_column'/);
    const items = result.events.filter((e): e is Ev<'item'> => e.type === 'item');
    expect(items.map((e) => [e.key, e.status])).toEqual([['m0', 'failed'], ['m1', 'failed'], ['m2', 'failed'], ['m3', 'failed']]);
    expect(items.every((e) => /^transaction rolled back: .*Unknown column 'no_such_column'/.test(e.detail))).toBe(true);
    expect(stepEnds(result.events)).toEqual([{ step: 'move', outcome: 'failed', detail: '0 done, 4 failed, 0 held back' }]);
    expect(await checksums(lab)).toEqual(before);
    // The rows were saved before anything was written.
    const saved = JSON.parse(await readFile(join(result.runDir!, 'artifacts', 'rows-move-attempt1.json'), 'utf8'));
    expect(saved[0].rows).toHaveLength(1);
  });

  it('commits, and the generated rollback script restores the rows exactly', async () => {
    const before = await checksums(lab);
    const result = await run(runbook([moveHosts()]));
    expect({ outcome: result.outcome, exitCode: result.exitCode, error: result.error }).toEqual({ outcome: 'completed', exitCode: ExitCode.ok, error: undefined });
    const moved = await lab.rootQuery<{ n: number }[]>(`SELECT COUNT(*) AS n FROM \`${nova()}\`.instances WHERE host = 'elsewhere'`);
    expect(Number(moved[0].n)).toBe(3);
    const script = await readFile(join(result.runDir!, 'artifacts', 'rollback-move-attempt1.sql'), 'utf8');
    const conn = await mysql.createConnection({ uri: LAB_DB_URL, multipleStatements: true, timezone: 'Z' });
    try {
      await conn.query(script);
    } finally {
      await conn.end();
    }
    expect(await checksums(lab)).toEqual(before);
  });
});

describe('invariant 9: iscsiadm logout names one session', () => {
  it('refuses a logout of every session before it reaches the host', async () => {
    const sessionsFile = join(lab.info.dir, 'hosts');
    const before = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 4, liveSession: true });
    const host = before.liveSessionVolume!.host;
    const file = join(sessionsFile, host, 'var', 'lib', 'iscsi', 'sessions');
    const sessions = await readFile(file, 'utf8');
    expect(sessions).toContain('iqn.2010-10.org.openstack:volume-');
    const logoutAll: ShellOperation = { kind: 'shell', host, argv: ['iscsiadm', '-m', 'session', '-u'], mutating: true, summary: 'log out of all', target: { instance: 'i-1' }, command: 'iscsiadm -m session -u' };
    const result = await run(runbook([step('logout', [logoutAll])]));
    const refusal = 'refused: "iscsiadm -m session -u" must name exactly one session with -r N; without it iscsiadm closes all sessions';
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed });
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toBe(refusal);
    expect(stepEnds(result.events)).toEqual([{ step: 'logout', outcome: 'failed', detail: refusal }]);
    expect(await readFile(file, 'utf8')).toBe(sessions);
    expect(result.events.find((e) => e.type === 'step.end')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/must name exactly one session/) });
    expect(result.events.some((e) => e.type === 'op.start')).toBe(false);
  });
});

describe('invariant 5: capture before destroy', () => {
  it('a volume map changed after its capture stops the cleanup, and is never captured again', async () => {
    const before = await checksums(lab);
    let asked = 0;
    const noAtFirstQuestion: Prompter = { async confirm() { asked += 1; return { answer: false, how: 'test' }; } };
    const first = await run(drp as Runbook, { prompter: noAtFirstQuestion });
    expect({ outcome: first.outcome, exitCode: first.exitCode }).toEqual({ outcome: 'aborted', exitCode: ExitCode.aborted });
    expect(asked).toBe(1);
    expect(stepEnds(first.events).at(-1)).toMatchObject({ outcome: 'failed', detail: 'the operator answered no' });
    const mapPath = join(first.runDir!, 'artifacts', 'volume-map.json');
    const map = JSON.parse(await readFile(mapPath, 'utf8'));
    expect(map.entries.length).toBeGreaterThan(0);
    map.entries[0].device = '/dev/vdz';
    await writeFile(mapPath, JSON.stringify(map, null, 2) + '\n');

    const store = await RunStore.open(config.stateDir, first.runId);
    const events: EngineEvent[] = [];
    const resumed = await resumeRun(drp as Runbook, store, { config, effects, prompter: assumeYes, redactor: new Redactor([]), onBus: (b) => b.subscribe((e) => events.push(e)) });
    // Stopped by the changed map (a damaged run: exit 2), at the DB cleanup, before any change.
    expect({ outcome: resumed.outcome, exitCode: resumed.exitCode }).toEqual({ outcome: 'blocked', exitCode: ExitCode.usage });
    expect(resumed.error).toBeInstanceOf(DamagedRunError);
    expect(resumed.error?.message).toMatch(/^the volume map \S+volume-map\.json changed since it was captured: its sha256 is now [0-9a-f]{64}/);
    expect(stepEnds(events)).toEqual([{ step: 'clean-db', outcome: 'failed', detail: resumed.error?.message }]);
    expect(events.some((e) => e.type === 'op.start' && e.mutating)).toBe(false);
    expect(await checksums(lab)).toEqual(before);
    expect(JSON.parse(await readFile(mapPath, 'utf8')).entries[0].device).toBe('/dev/vdz');
  });
});
