// Invariant 10, "SQL is parameterised", checked on every SQL-building function the runbooks
// export: called once with benign values and once with hostile ones (quotes, backslash, LIKE
// wildcards, a comment, a backtick) of the same shape, the statement text must be identical and
// every value must sit in params at the same place. A value pasted into a statement changes the
// text. Then the hostile statements run against a real lab database (both lab flavours), through
// the engine's own execution paths, and match nothing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { openDurableStream, readIfExists, writeFileDurably } from '../../src/effects/files/durable-write.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { Effects } from '../../src/effects/types.js';
import { executeOperation } from '../../src/engine/execute-operation.js';
import type { OperationResult, ReadOperation, RowBackup, SqlOperation, SqlParam } from '../../src/operations/types.js';
import type { Artifacts, StepContext } from '../../src/engine/runbook.js';
import { runSqlStep } from '../../src/engine/sql-step.js';
import { cleanupLeftovers, cleanupOps, detectFlavour, readAttachments, type SchemaFlavour } from '../../runbooks/lib/schema-flavour.js';
import type { MapEntry } from '../../runbooks/drp/volume-map.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';
import { singleCell } from '../../src/operations/cells.js';
import { createTestLab, type TestLab } from '../support/lab.js';

// ---------------------------------------------------------------------------------------------
// Value sets of the same shape: 2 instances, 2 volumes (one of them attached to both instances).

interface Values {
  instances: [string, string];
  volumes: [string, string];
}

/** Every hostile value carries ' " \ % _ ;-- and a backtick, plus an always-true tail. */
const hostile = (tag: string) => `${tag}' OR '1'='1' OR "1"="1" \\' %_ ;-- \`x\``;
const HOSTILE: Values = { instances: [hostile('i0'), hostile('i1')], volumes: [hostile('v0'), hostile('v1')] };
const HOSTILE_STRINGS = [...HOSTILE.instances, ...HOSTILE.volumes];

const BENIGN: Values = {
  instances: ['6f1c2a3b-0000-4000-8000-000000000001', '6f1c2a3b-0000-4000-8000-000000000002'],
  volumes: ['0b9e8d7c-0000-4000-8000-000000000011', '0b9e8d7c-0000-4000-8000-000000000012'],
};
/** nova-volume keys volumes by integer id: benign ids of other widths, and ids no row has. */
const NUMERIC: Values = { instances: BENIGN.instances, volumes: ['7', '13'] };
const NUMERIC_ABSENT: Values = { instances: HOSTILE.instances, volumes: ['900000001', '900000002'] };

function entriesOf(v: Values): MapEntry[] {
  const e = (volumeId: string, instanceUuid: string): MapEntry => ({ volumeId, instanceUuid, instanceName: 'vm', device: '/dev/vdb', host: 'compute1', multiattach: false });
  return [e(v.volumes[0], v.instances[0]), e(v.volumes[1], v.instances[0]), e(v.volumes[1], v.instances[1])];
}

/** benign value -> the value at the same place in the other set (numbers too: nova-volume ids). */
function valueMap(from: Values, to: Values): Map<SqlParam, SqlParam> {
  const m = new Map<SqlParam, SqlParam>();
  const pairs: [string, string][] = [...from.instances.map((x, i) => [x, to.instances[i]] as [string, string]), ...from.volumes.map((x, i) => [x, to.volumes[i]] as [string, string])];
  for (const [a, b] of pairs) {
    m.set(a, b);
    if (!Number.isNaN(Number(a))) m.set(Number(a), Number(b));
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// The harness: a StepContext whose read() records every operation and executes it with `exec`
// (the engine's real executeOperation against a lab, or an empty answer when only the text is
// compared). Only what the SQL builders use is there.

interface Recorded {
  op: SqlOperation;
  result: OperationResult;
}

function harness(exec: (op: SqlOperation) => Promise<OperationResult>, scopeInstance?: string): { ctx: StepContext; log: Recorded[] } {
  const log: Recorded[] = [];
  const tryRead = async <T,>(op: ReadOperation<T>): Promise<OperationResult<T>> => {
    if (op.kind !== 'sql') throw new Error(`unexpected ${op.kind} operation in a SQL builder: ${op.summary}`);
    const result = await exec(op);
    log.push({ op, result });
    return result as OperationResult<T>;
  };
  const unused = (name: string) => () => {
    throw new Error(`the harness does not provide ${name}`);
  };
  const ctx = {
    runId: 'sql-values',
    mode: 'dry-run',
    params: {},
    scope: scopeInstance === undefined ? {} : { instance: { uuid: scopeInstance } },
    poll: { initialMs: 1, maxMs: 1, timeoutMs: 1 },
    facts: {},
    tryRead,
    async read<T>(op: ReadOperation<T>) {
      const r = await tryRead(op);
      if (!r.ok) throw new Error(`${op.summary} failed: ${r.error ?? 'unknown error'}`);
      return r as OperationResult<T> & { value: T };
    },
    setFact: unused('setFact'),
    artifacts: undefined,
    note: () => undefined,
    warn: () => undefined,
    mapLimit: (items: readonly unknown[], fn: (i: unknown) => Promise<unknown>) => Promise.all(items.map(fn)),
    hosts: () => [],
    heldBack: () => [],
    cells: singleCell('nova at 127.0.0.1:3306'),
  } as unknown as StepContext;
  return { ctx, log };
}

const emptyAnswer = async (): Promise<OperationResult> => ({ ok: true, durationMs: 0, rows: [], value: [] });

interface Stmt {
  from: string;
  db: string;
  sql: string;
  params: SqlParam[];
  backup?: RowBackup;
}

/** Every statement every exported SQL builder produces for one value set, in call order. */
async function statements(flavour: SchemaFlavour, v: Values, exec: (op: SqlOperation) => Promise<OperationResult> = emptyAnswer): Promise<Stmt[]> {
  const out: Stmt[] = [];
  const take = (from: string, ops: SqlOperation[]) => out.push(...ops.map((op) => ({ from, db: op.db, sql: op.sql, params: op.params, backup: op.backup })));

  // runbooks/lib/sql.ts: the builders every statement goes through.
  take('selectRows', [selectRows('nova', 's', 'SELECT uuid FROM instances WHERE uuid = ? AND host = ?', [v.instances[0], v.volumes[0]], { instance: v.instances[0] })]);
  take('updateRows', [
    updateRows('cinder', 'u', 'UPDATE volumes SET status = ? WHERE id = ?', [v.instances[1], v.volumes[1]], { volume: v.volumes[1] }, { table: 'volumes', key: 'id', where: 'id = ?', params: [v.volumes[1]] }),
  ]);

  // runbooks/drp/schema-flavour.ts
  const read = async (from: string, fn: (ctx: StepContext) => Promise<unknown>, scope?: string) => {
    const h = harness(exec, scope);
    await fn(h.ctx);
    take(from, h.log.map((r) => r.op));
  };
  await read('detectFlavour', (ctx) => detectFlavour(ctx).catch(() => undefined));
  await read('readAttachments(all)', (ctx) => readAttachments(ctx, flavour));
  await read('readAttachments(instance)', (ctx) => readAttachments(ctx, flavour, v.instances[1]));
  take('cleanupOps', cleanupOps(flavour, entriesOf(v)));
  await read('cleanupLeftovers', (ctx) => cleanupLeftovers(ctx, flavour, entriesOf(v)));
  await read('cleanupLeftovers(test mode)', (ctx) => cleanupLeftovers(ctx, flavour, entriesOf(v)), v.instances[0]);
  return out;
}

function expectSameTextValuesOnlyInParams(benign: Stmt[], other: Stmt[], map: Map<SqlParam, SqlParam>, mustNotAppear: string[]): void {
  expect(other.map((s) => `${s.from}: ${s.sql}`)).toEqual(benign.map((s) => `${s.from}: ${s.sql}`));
  expect(other.map((s) => s.backup && { ...s.backup, params: [] })).toEqual(benign.map((s) => s.backup && { ...s.backup, params: [] }));
  const swap = (params: SqlParam[]) => params.map((p) => (map.has(p) ? map.get(p)! : p));
  for (let i = 0; i < benign.length; i++) {
    // Each value sits in params exactly where its benign counterpart sat.
    expect({ from: other[i].from, params: other[i].params }).toEqual({ from: benign[i].from, params: swap(benign[i].params) });
    if (benign[i].backup) expect(other[i].backup!.params).toEqual(swap(benign[i].backup!.params));
    for (const value of mustNotAppear) {
      expect(other[i].sql).not.toContain(value);
      if (other[i].backup) expect(other[i].backup!.where).not.toContain(value);
    }
  }
}

const FLAVOURS: SchemaFlavour[] = ['modern', 'cinder-columns', 'nova-volume'];

describe('SQL text never depends on the values (every exported builder, every flavour)', () => {
  it.each(FLAVOURS)('%s: hostile values change params only', async (flavour) => {
    const benignSet = flavour === 'nova-volume' ? NUMERIC : BENIGN;
    const benign = await statements(flavour, benignSet);
    const bad = await statements(flavour, HOSTILE);
    // Every builder produced statements, and the calls with values produced parameters.
    expect(new Set(benign.map((s) => s.from))).toEqual(
      new Set(['selectRows', 'updateRows', 'detectFlavour', 'readAttachments(all)', 'readAttachments(instance)', 'cleanupOps', 'cleanupLeftovers', 'cleanupLeftovers(test mode)']),
    );
    expect(benign.filter((s) => s.from === 'cleanupOps').every((s) => s.params.length > 0 && s.backup)).toBe(true);
    expect(benign.filter((s) => s.from === 'readAttachments(instance)').every((s) => s.params.length === 1)).toBe(true);
    expectSameTextValuesOnlyInParams(benign, bad, valueMap(benignSet, HOSTILE), [...HOSTILE_STRINGS, "OR '1'='1'"]);
    if (flavour !== 'nova-volume') {
      // String keys: the hostile strings themselves are the parameters.
      const params = bad.flatMap((s) => [...s.params, ...(s.backup?.params ?? [])]);
      for (const value of HOSTILE_STRINGS) expect(params).toContain(value);
    } else {
      // Integer keys: ids of any width never reach the text either.
      const wide = await statements(flavour, NUMERIC_ABSENT);
      expectSameTextValuesOnlyInParams(benign, wide, valueMap(benignSet, NUMERIC_ABSENT), [...NUMERIC_ABSENT.volumes, ...HOSTILE_STRINGS]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The hostile statements, executed against real lab databases.

async function labEffects(lab: TestLab): Promise<Effects> {
  const config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env }, cwd: lab.stateDir });
  return createEffects(config);
}

function dirArtifacts(dir: string): Artifacts {
  return {
    dir,
    write: async (name, content) => {
      const p = path.join(dir, name);
      await writeFileDurably(p, content);
      return p;
    },
    read: (name) => readIfExists(path.join(dir, name)),
    exists: async (name) => (await readIfExists(path.join(dir, name))) !== undefined,
    stream: async (name) => {
      const p = path.join(dir, name);
      return { path: p, ...(await openDurableStream(p)) };
    },
  };
}

describe.each([
  { flavour: 'modern' as const, values: HOSTILE },
  // nova-volume volume ids are integers (a string becomes NaN before it is a parameter), so its
  // volumes are ids no row has; its instance uuids are the hostile strings.
  { flavour: 'nova-volume' as const, values: NUMERIC_ABSENT },
])('hostile statements run against a $flavour lab database and match 0 rows', ({ flavour, values }) => {
  let lab: TestLab;
  let fx: Effects;
  let artifactsDir: string;
  beforeAll(async () => {
    lab = await createTestLab({ flavour });
    await lab.scenario('power-loss', { instances: 8, volumes: 10, seed: 7 });
    fx = await labEffects(lab);
    artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-sql-values-'));
  });
  afterAll(async () => {
    await fx?.close();
    await lab?.destroy();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  const real = (op: SqlOperation) => executeOperation(op, fx);

  it('the lab has attachments a pasted always-true condition would match', async () => {
    const { ctx } = harness(real);
    expect(await detectFlavour(ctx)).toBe(flavour);
    expect((await readAttachments(ctx, flavour)).length).toBeGreaterThan(0);
  });

  it('reads (readAttachments, cleanupLeftovers, selectRows) run and match nothing', async () => {
    const stmts: Recorded[] = [];
    const run = async (fn: (ctx: StepContext) => Promise<unknown>, scope?: string) => {
      const h = harness(real, scope);
      const value = await fn(h.ctx);
      stmts.push(...h.log);
      return value;
    };
    expect(await run((ctx) => readAttachments(ctx, flavour, values.instances[0]))).toEqual([]);
    expect(await run((ctx) => readAttachments(ctx, flavour, values.instances[1]))).toEqual([]);
    expect(await run((ctx) => cleanupLeftovers(ctx, flavour, entriesOf(values)))).toEqual([]);
    expect(await run((ctx) => cleanupLeftovers(ctx, flavour, entriesOf(values)), values.instances[0])).toEqual([]);
    const sel = selectRows('nova', 'instance by uuid', 'SELECT uuid FROM instances WHERE uuid = ? OR display_name = ?', [values.instances[0], values.instances[1]]);
    stmts.push({ op: sel, result: await real(sel) });

    const withValues = stmts.filter((s) => s.op.params.length > 0);
    expect(withValues.length).toBeGreaterThanOrEqual(6);
    for (const { op, result } of withValues) {
      expect({ sql: op.sql, ok: result.ok, error: result.error, rows: result.rows }).toEqual({ sql: op.sql, ok: true, error: undefined, rows: [] });
    }
  });

  it("cleanupOps' statements and their row backups run in the engine's SQL step and change 0 rows", async () => {
    const attachedBefore = await readAttachments(harness(real).ctx, flavour);
    const ops = cleanupOps(flavour, entriesOf(values));
    expect(ops.length).toBeGreaterThan(0);
    const items = ops.map((op, i) => ({ key: `clean:${i}`, summary: op.summary, target: op.target, ops: [op] }));
    const ends: { ok: boolean; rows?: number; error?: string }[] = [];
    const result = await runSqlStep('clean-db', 1, items, fx.sql, dirArtifacts(artifactsDir), {
      opStart: () => `op${ends.length}`,
      opEnd: (_id, _item, ok, _ms, rows, error) => ends.push({ ok, rows, error }),
    });
    expect(ends).toEqual(ops.map(() => ({ ok: true, rows: 0, error: undefined })));
    expect(result.affectedRows).toBe(0);
    // The backups (SELECT ... WHERE <backup.where> with the hostile params) found no row either.
    const backups = JSON.parse(await readFile(result.backupFile, 'utf8')) as { rows: unknown[] }[];
    expect(backups.length).toBe(ops.filter((o) => o.backup).length);
    expect(backups.every((b) => b.rows.length === 0)).toBe(true);
    expect(await readAttachments(harness(real).ctx, flavour)).toEqual(attachedBefore);
  });
});
