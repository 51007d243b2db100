// What the fault campaign (test/campaign/faults-campaign.test.ts) shares across runbooks: its seed,
// a run driven to the end through `resume` while it says resumable, the figures of a run read from
// its transcript, and the database compared with a reference run's once the columns a second run
// cannot reproduce (timestamps, ids the database or the cloud generates) are dropped.
import { expect } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { runCli, type CliResult } from './cli.js';
import { readState } from './kill-points.js';
import type { TestLab } from './lab.js';
import { readEvents, runIds, transcriptOf } from './transcript-watch.js';

export function campaignSeed(defaultSeed: number): number {
  const seed = process.env.NOVAOPS_CAMPAIGN_SEED ? Number(process.env.NOVAOPS_CAMPAIGN_SEED) : defaultSeed;
  if (!Number.isInteger(seed)) throw new Error(`NOVAOPS_CAMPAIGN_SEED=${process.env.NOVAOPS_CAMPAIGN_SEED} is not a whole number`);
  console.log(`[campaign] seed ${seed} (replay with NOVAOPS_CAMPAIGN_SEED=${seed})`);
  return seed;
}

export interface RunToEnd {
  runId: string;
  /** the first run and every resume */
  runs: number;
  /** exit code of each, for the failure message */
  codes: (number | null)[];
  last: CliResult;
}

/** `args` (a `run ... --yes`), then `resume <id> --yes` while the exit code says resumable, at most `maxResumes` times. */
export async function runToEnd(opts: { args: string[]; env: Record<string, string>; stateDir: string; maxResumes: number; what: string }): Promise<RunToEnd> {
  const { env, stateDir, what } = opts;
  let last = await runCli(opts.args, env);
  const codes = [last.code];
  const ids = await runIds(stateDir);
  expect(ids.length, `${what}: the run left no run directory: ${last.stdout}${last.stderr}`).toBe(1);
  const runId = ids[0];
  let runs = 1;
  while (last.code === ExitCode.failed) {
    expect(runs - 1, `${what}: still resumable after ${runs - 1} resume(s): ${last.stdout}${last.stderr}`).toBeLessThan(opts.maxResumes);
    last = await runCli(['resume', runId, '--yes'], env);
    codes.push(last.code);
    runs += 1;
  }
  expect(last.code, `${what}: exit codes ${codes.join(', ')}: ${last.stdout}${last.stderr}`).toBe(0);
  expect((await readState(stateDir, runId))?.status, what).toBe('completed');
  return { runId, runs, codes, last };
}

export interface TranscriptFigures {
  retries: number;
  answerLost: number;
  resolved: Record<string, number>;
}

export async function transcriptFigures(stateDir: string, runId: string): Promise<TranscriptFigures> {
  const events = await readEvents(transcriptOf(stateDir, runId));
  const resolved: Record<string, number> = {};
  for (const e of events) if (e.type === 'resolved') resolved[e.verdict] = (resolved[e.verdict] ?? 0) + 1;
  return {
    retries: events.filter((e) => e.type === 'retry').length,
    answerLost: events.filter((e) => e.type === 'answer-lost').length,
    resolved,
  };
}

/**
 * Columns a second run of the same scenario cannot reproduce, by table (schema-less name). Every
 * other column must come out equal.
 */
export type Exclusions = Record<string, string[]>;

/** Timestamps: when a run happens is not part of its end state. Every table, every `*_at` / `*_time` column. */
const isTimestamp = (column: string) => /(_at|_time)$/.test(column);

export type Rows = Record<string, string[]>;

/** Every row of nova, cinder and placement without the excluded columns, as sorted JSON (insertion order is not end state). */
export async function comparableRows(lab: TestLab, exclusions: Exclusions): Promise<Rows> {
  const { nova, cinder, placement } = lab.info.db.schemas;
  const schemas = [nova, cinder, ...(placement ? [placement] : [])];
  const tables = await lab.rootQuery<{ s: string; t: string }[]>(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = ? ORDER BY 1, 2',
    [schemas, 'BASE TABLE'],
  );
  expect(tables.length).toBeGreaterThan(10);
  const out: Rows = {};
  for (const { s, t } of tables) {
    const skip = new Set(exclusions[t] ?? []);
    const rows = await lab.rootQuery<Record<string, unknown>[]>(`SELECT * FROM \`${s}\`.\`${t}\``);
    const kind = s === nova ? 'nova' : s === cinder ? 'cinder' : 'placement';
    out[`${kind}.${t}`] = rows
      .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([c]) => !skip.has(c) && !isTimestamp(c)))))
      .sort();
  }
  return out;
}

/** Tables whose rows differ, with the rows only one side has (a few of each). */
export function rowDifferences(reference: Rows, got: Rows): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(reference), ...Object.keys(got)])) {
    const a = reference[table] ?? [];
    const b = got[table] ?? [];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const count = (list: string[]) => list.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
    const ca = count(a);
    const cb = count(b);
    const onlyRef = [...ca].filter(([r, n]) => (cb.get(r) ?? 0) < n).map(([r]) => r);
    const onlyGot = [...cb].filter(([r, n]) => (ca.get(r) ?? 0) < n).map(([r]) => r);
    out.push(`${table}: ${a.length} rows in the reference, ${b.length} now; only in the reference: ${onlyRef.slice(0, 3).join(' ')}; only now: ${onlyGot.slice(0, 3).join(' ')}`);
  }
  return out;
}
