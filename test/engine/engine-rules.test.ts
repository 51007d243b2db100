// The rules the engine enforces for every runbook (DESIGN section 2, invariants 12-13), each
// driven through the real runner against a lab: real MariaDB, real subprocesses on a simulated
// compute host. Each test fails when its rule is removed from src/engine.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EngineRuleError, ExitCode } from '../../src/engine/errors.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { executeOperation } from '../../src/engine/execute-operation.js';
import type { Runbook, Step } from '../../src/engine/runbook.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';
import type { Operation, ShellOperation } from '../../src/operations/types.js';
import { checksums } from '../support/db-snapshot.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;
let marks: string;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  await lab.scenario('power-loss', { instances: 3, volumes: 3, seed: 2 });
  engine = await labEngine(lab);
  marks = join(lab.stateDir, 'marks');
  await mkdir(marks, { recursive: true });
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

const host = () => lab.info.hosts[0];
function sh(summary: string, argv: string[], extra: Partial<ShellOperation> = {}): ShellOperation {
  return { kind: 'shell', host: host(), argv, mutating: true, summary, target: { host: host() }, command: argv.join(' '), ...extra };
}
const mark = (name: string) => join(marks, name);

let ids = 0;
function runbook(steps: Step[]): Runbook {
  return { id: `engine-rules-${++ids}`, title: 't', version: '0', reference: 'test', summary: 'test', options: [], params: z.object({}).passthrough(), steps };
}
function oneItem(id: string, ops: Operation[], extra: Partial<Step> = {}): Step {
  return { id, title: `step ${id}`, changes: 'marks', unguarded: 'a test step', async plan() { return { items: [{ key: `${id}-item`, summary: id, target: ops[0].target, ops }] }; }, ...extra };
}
const run = (rb: Runbook) => engine.run(rb);
const resume = (rb: Runbook, runId: string) => engine.resume(rb, runId);
const opStarts = (events: EngineEvent[]) => events.filter((e) => e.type === 'op.start' && e.item !== null).map((e) => (e as { summary: string }).summary);

describe('a read-only step plans nothing mutating', () => {
  it('is refused at plan time, before any operation starts', async () => {
    const result = await run(runbook([oneItem('look', [sh('touch ro', ['touch', mark('ro')])], { readOnly: true })]));
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toBe('step look is read-only but plans a mutating operation: "touch ro"');
    expect(opStarts(result.events)).toEqual([]);
    expect(existsSync(mark('ro'))).toBe(false);
  });
});

describe('mutating SQL never runs outside its step transaction', () => {
  const nova = () => lab.info.db.schemas.nova;
  const moveOne = (uuid: string, backup = true) =>
    updateRows('nova', `move ${uuid}`, 'UPDATE instances SET host = ? WHERE uuid = ?', ['moved', uuid], { instance: uuid }, backup ? { table: 'instances', key: 'id', where: 'uuid = ?', params: [uuid] } : (undefined as never));
  const firstUuid = async () => (await lab.rootQuery<{ uuid: string }[]>(`SELECT uuid FROM \`${nova()}\`.instances WHERE deleted = 0 ORDER BY id LIMIT 1`))[0].uuid;

  it('a statement executed on its own is refused, and the row is unchanged', async () => {
    const before = await checksums(lab);
    await expect(executeOperation(moveOne(await firstUuid()), engine.effects)).rejects.toThrow(EngineRuleError);
    await expect(executeOperation(moveOne(await firstUuid()), engine.effects)).rejects.toThrow(/is mutating SQL; it runs only in its step's transaction, after the rows are saved/);
    expect(await checksums(lab)).toEqual(before);
  });

  it('a step that plans mutating SQL runs it in the transaction with its rows saved, without being told to', async () => {
    const uuid = await firstUuid();
    const result = await run(runbook([oneItem('move', [moveOne(uuid)])]));
    expect({ outcome: result.outcome, error: result.error?.message }).toEqual({ outcome: 'completed', error: undefined });
    expect((await readdir(join(result.runDir!, 'artifacts'))).sort()).toEqual(['rollback-move-attempt1.sql', 'rows-move-attempt1.json']);
    const [row] = await lab.rootQuery<{ host: string }[]>(`SELECT host FROM \`${nova()}\`.instances WHERE uuid = ?`, [uuid]);
    expect(row.host).toBe('moved');
  });

  it('mutating SQL mixed with other operations, or without the rows to save, is refused before it runs', async () => {
    const uuid = await firstUuid();
    const before = await checksums(lab);
    const mixed = await run(runbook([oneItem('mixed', [moveOne(uuid), sh('touch mixed', ['touch', mark('mixed')])])]));
    expect(mixed.error?.message).toBe('step mixed mixes mutating SQL with "touch mixed": its SQL runs in one transaction; give the other operations a step of their own');
    const unsaved = await run(runbook([oneItem('unsaved', [moveOne(uuid, false)])]));
    expect(unsaved.error?.message).toBe(`step unsaved: "move ${uuid}" changes rows without saying which (RowBackup): they could not be saved first`);
    expect(existsSync(mark('mixed'))).toBe(false);
    expect(await checksums(lab)).toEqual(before);
    // A read stays a read: discovery SQL is not caught by the rule.
    const read = await executeOperation(selectRows('nova', 'count', 'SELECT COUNT(*) AS n FROM instances'), engine.effects);
    expect(read.ok).toBe(true);
  });
});

describe('a mutating step is guarded or says why not', () => {
  it('a runbook with a silent unguarded mutating step is refused before its run exists', async () => {
    const silent = oneItem('silent', [sh('touch silent', ['touch', mark('silent')])], { unguarded: undefined });
    const result = await run(runbook([silent]));
    expect({ outcome: result.outcome, exitCode: result.exitCode, runDir: result.runDir }).toEqual({ outcome: 'refused', exitCode: ExitCode.failed, runDir: null });
    expect(result.error?.message).toMatch(/step "silent" changes the cloud without a guard and does not say why none applies/);
    expect(existsSync(mark('silent'))).toBe(false);
  });
});

describe('a last read before each item', () => {
  it('holds back an item whose recheck gives a reason, sends the others, and verify sees it held', async () => {
    let heldSeenByVerify: string[] = [];
    const step: Step = {
      id: 'late',
      title: 'late',
      changes: 'marks',
      unguarded: 'a test step',
      async plan() {
        return {
          items: ['keep', 'moved-on'].map((name) => ({ key: name, summary: name, target: { host: host() }, ops: [sh(`touch ${name}`, ['touch', mark(`late-${name}`)])] })),
        };
      },
      async recheck(_ctx, item) {
        return item.key === 'moved-on' ? 'it changed while the operator read the confirmation' : undefined;
      },
      async verify(ctx) {
        heldSeenByVerify = ctx.heldBack('late').map((h) => h.key);
        return { ok: true, detail: 'read back' };
      },
    };
    const result = await run(runbook([step]));
    expect({ outcome: result.outcome, error: result.error?.message }).toEqual({ outcome: 'completed-held-back', error: undefined });
    expect([existsSync(mark('late-keep')), existsSync(mark('late-moved-on'))]).toEqual([true, false]);
    expect(result.events.filter((e) => e.type === 'item').map((e) => [(e as { key: string }).key, (e as { status: string }).status])).toEqual(
      expect.arrayContaining([['keep', 'done'], ['moved-on', 'held']]),
    );
    expect(heldSeenByVerify).toEqual(['moved-on']);
  });
});

describe('items of several operations', () => {
  it('an `always` operation runs after an earlier one failed; the ones between do not', async () => {
    const result = await run(
      runbook([
        oneItem('svc', [
          sh('stop services', ['touch', mark('stopped')]),
          sh('change ids', ['false']),
          sh('chown files', ['touch', mark('chowned')]),
          sh('start services', ['touch', mark('started')], { always: true }),
        ]),
      ]),
    );
    expect(result.outcome).toBe('failed');
    expect([existsSync(mark('stopped')), existsSync(mark('chowned')), existsSync(mark('started'))]).toEqual([true, false, true]);
    expect(opStarts(result.events)).toEqual(['stop services', 'change ids', 'start services']);
    const itemEvent = result.events.find((e) => e.type === 'item') as { status: string; detail: string };
    expect(itemEvent).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^change ids: exit 1 .*its restoring operations ran; a resume starts the item over/) });
    expect(result.events.some((e) => e.type === 'note' && /running "start services" although the item failed/.test(e.message))).toBe(true);
  });

  it('a resume continues an item from its first unacknowledged operation', async () => {
    const made = mark('made-once');
    const ready = mark('ready');
    // mkdir is not repeatable: a resume that started the item over would fail on it.
    const rb = runbook([oneItem('mid', [sh('make it', ['mkdir', made]), sh('wait for ready', ['test', '-e', ready]), sh('finish', ['touch', mark('finished')])])]);
    const first = await run(rb);
    expect(first.outcome).toBe('failed');
    expect(opStarts(first.events)).toEqual(['make it', 'wait for ready']);
    await mkdir(ready);
    const second = await resume(rb, first.runId);
    expect({ outcome: second.outcome, error: second.error?.message }).toEqual({ outcome: 'completed', error: undefined });
    expect(opStarts(second.events)).toEqual(['wait for ready', 'finish']);
    expect(second.events.some((e) => e.type === 'note' && /"make it" was done in an earlier attempt; not repeated/.test(e.message))).toBe(true);
    expect(existsSync(mark('finished'))).toBe(true);
  });

  it('a resume matches acknowledged operations by what they do, not by their position in the re-planned item', async () => {
    const made = mark('made-then-dropped');
    const ready = mark('ready-3');
    const finished = mark('finished-3');
    // The step plans from what it reads: once `made` exists it no longer plans making it, so every
    // later operation moves up one place. Matched by position, the resume would skip the check.
    const step: Step = {
      id: 'replanned',
      title: 'step replanned',
      changes: 'marks',
      unguarded: 'a test step',
      async plan() {
        const ops: Operation[] = [
          ...(existsSync(made) ? [] : [sh('make it', ['mkdir', made])]),
          sh('wait for ready', ['test', '-e', ready]),
          sh('finish', ['touch', finished]),
        ];
        return { items: [{ key: 'replanned-item', summary: 'replanned', target: ops[0].target, ops }] };
      },
    };
    const rb = runbook([step]);
    const first = await run(rb);
    expect(first.outcome).toBe('failed');
    expect(opStarts(first.events)).toEqual(['make it', 'wait for ready']);
    const second = await resume(rb, first.runId);
    // `ready` still does not exist: the check must run again and fail again, not be skipped.
    expect(opStarts(second.events)).toEqual(['wait for ready']);
    expect(second.outcome).toBe('failed');
    expect(existsSync(finished)).toBe(false);
    await mkdir(ready);
    const third = await resume(rb, first.runId);
    expect({ outcome: third.outcome, error: third.error?.message }).toEqual({ outcome: 'completed', error: undefined });
    expect(opStarts(third.events)).toEqual(['wait for ready', 'finish']);
  });

  it('an item undone by its `always` operations starts over on resume', async () => {
    const made = mark('made-and-removed');
    const ready = mark('ready-2');
    const rb = runbook([oneItem('over', [sh('make it', ['mkdir', made]), sh('wait for ready', ['test', '-e', ready]), sh('remove it', ['rmdir', made], { always: true })])]);
    const first = await run(rb);
    expect(first.outcome).toBe('failed');
    expect(existsSync(made)).toBe(false);
    await mkdir(ready);
    const second = await resume(rb, first.runId);
    expect({ outcome: second.outcome, error: second.error?.message }).toEqual({ outcome: 'completed', error: undefined });
    expect(opStarts(second.events)).toEqual(['make it', 'wait for ready', 'remove it']);
  });
});
