// The kill-and-resume loop any runbook can be put through: kill points drawn from a seeded PRNG
// (printed; NOVAOPS_KILL_SEED replays a run, NOVAOPS_KILL_ITERATIONS sets how many), always
// including the dangerous moments (the instant state.json appears, the first mutating operation,
// the middle of an item), then `novaops resume` until the run completes, the first resume
// sometimes killed too. What "the same end state, nothing applied twice" means is the runbook
// test's to check; the journal check here holds for every runbook. (drp keeps its own loop,
// test/drp/kill-loop.test.ts, whose kill points know its steps: map, clean-db, reboots, reattaches.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { seededRng } from '../../src/lab/index.js';
import { describeKillPoint, readState, runAndKill, runDirOf, type KillPoint } from './kill-points.js';
import type { TestLab } from './lab.js';
import { readEvents, transcriptOf } from './transcript-watch.js';

export type LoopKind = 'state-json' | 'placed-state-json' | 'first-mutation' | 'events' | 'op-ends';
export const LOOP_KINDS: LoopKind[] = ['state-json', 'placed-state-json', 'first-mutation', 'op-ends', 'events'];

export interface KillDraw {
  kind: LoopKind;
  /** where in the attempt, for the kinds that count (events, op-ends): 0..1 of the typical count */
  frac: number;
}

export interface IterationPlan {
  n: number;
  scenarioSeed: number;
  first: KillDraw;
  second: KillDraw | null;
}

/** The loop's seed and size, printed so that a failure can be replayed. */
export function loopSeed(name: string, defaults: { seed: number; iterations: number }): { seed: number; iterations: number } {
  const seed = process.env.NOVAOPS_KILL_SEED ? Number(process.env.NOVAOPS_KILL_SEED) : defaults.seed;
  const iterations = Math.max(1, Number(process.env.NOVAOPS_KILL_ITERATIONS ?? defaults.iterations));
  console.log(`[kill-loop ${name}] seed ${seed} (replay with NOVAOPS_KILL_SEED=${seed}), ${iterations} iterations`);
  return { seed, iterations };
}

/** Every kind of kill point once before any twice (in a seeded order); a second kill on resume now and then. */
export function drawIterations(seed: number, count: number, kinds: LoopKind[] = LOOP_KINDS): IterationPlan[] {
  const rng = seededRng(seed);
  const shuffled = (list: LoopKind[]) => {
    const a = [...list];
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const order: LoopKind[] = [];
  while (order.length < count) order.push(...shuffled(kinds));
  // A resume is killed only where it has work left to be killed in: an item, or after some events.
  const secondKinds: LoopKind[] = ['op-ends', 'events'];
  return order.slice(0, count).map((kind, i) => ({
    n: i + 1,
    scenarioSeed: 1 + rng.int(100_000),
    first: { kind, frac: rng.next() },
    second: rng.next() < 0.3 ? { kind: secondKinds[rng.int(secondKinds.length)], frac: rng.next() } : null,
  }));
}

/** One iteration as its log line names it: enough to replay it. */
export function describeIteration(plan: IterationPlan, seed: number): string {
  return `iteration ${plan.n} (seed ${seed}, scenario seed ${plan.scenarioSeed}) kill@${plan.first.kind}${plan.second ? ` then @${plan.second.kind}` : ''}`;
}

/** A draw made concrete for a run of this size (typical events and item operations of one attempt). */
export function killPointOf(d: KillDraw, sizes: { events: number; opEnds: number }): KillPoint {
  const upTo = (max: number) => 1 + Math.floor(d.frac * Math.max(1, max - 1));
  switch (d.kind) {
    case 'events':
      return { kind: 'events', n: upTo(sizes.events) };
    case 'op-ends':
      return { kind: 'op-ends', k: upTo(sizes.opEnds) };
    default:
      return { kind: d.kind };
  }
}

export interface KilledRun {
  runId: string;
  /** what happened, one line per attempt, for the failure message */
  log: string[];
}

/**
 * Starts `args`, SIGKILLs it at `first`, starts it again if the kill came before it had a run to
 * resume, then `novaops resume --yes` until completed (the first resume killed at `second`).
 */
export async function killThenResume(opts: {
  args: string[];
  env: Record<string, string>;
  stateDir: string;
  first: KillPoint;
  second: KillPoint | null;
  what: string;
  lab?: TestLab;
  /** waits for the lab to settle after a kill (requests of the killed process still in flight) */
  settle?: () => Promise<void>;
  maxResumes?: number;
}): Promise<KilledRun> {
  const { env, stateDir, what } = opts;
  const maxResumes = opts.maxResumes ?? 3;
  const log: string[] = [];
  let runId: string | undefined;
  for (let start = 1; runId === undefined; start++) {
    expect(start, `${what}: started ${start} times without getting a run directory; ${log.join('; ')}`).toBeLessThanOrEqual(3);
    const point = start === 1 ? opts.first : ({ kind: 'none' } as const);
    const w = await runAndKill({ args: opts.args, env, stateDir, point, lab: opts.lab });
    const output = w.result.stdout + w.result.stderr;
    if (w.killed) log.push(`run killed @${describeKillPoint(point)} after ${w.events.length} event(s)`);
    else {
      expect(w.result.code, `${what}: ${output}`).toBe(0);
      log.push(point.kind === 'none' ? 'run completed' : `run finished before @${describeKillPoint(point)} (${w.events.length} events)`);
    }
    if (w.runId && (await readState(stateDir, w.runId))) runId = w.runId;
    else {
      expect(w.killed, `${what}: a run that was not killed left no state.json: ${output}`).toBe(true);
      log.push('no run directory yet: started again');
    }
    await opts.settle?.();
  }

  let resumes = 0;
  let lockRetries = 0;
  while ((await readState(stateDir, runId))!.status !== 'completed') {
    expect(resumes, `${what}: still ${(await readState(stateDir, runId))!.status} after ${resumes} resume(s): ${log.join('; ')}`).toBeLessThan(maxResumes);
    const point: KillPoint = resumes === 0 && opts.second ? opts.second : { kind: 'none' };
    const r = await runAndKill({ args: ['resume', '--yes'], env, stateDir, point, runId, lab: opts.lab });
    const output = r.result.stdout + r.result.stderr;
    if (!r.killed && r.result.code === 3 && output.includes('holds the lock') && lockRetries < 3) {
      // The killed process's DB connection not yet noticed as gone by the server: not a resume.
      lockRetries += 1;
      log.push('resume refused by a lock not yet released; retried');
      await sleep(500);
      continue;
    }
    resumes += 1;
    if (r.killed) log.push(`resume ${resumes} killed @${describeKillPoint(point)} after ${r.events.length} event(s)`);
    else {
      expect(r.result.code, `${what}: resume ${resumes}: ${output}`).toBe(0);
      log.push(`resume ${resumes} completed`);
    }
    await opts.settle?.();
  }
  const events = await readEvents(transcriptOf(stateDir, runId));
  const itemOps = events.filter((e) => e.type === 'op.end' && e.item !== null).length;
  log.push(`${events.length} events and ${itemOps} item operations over all attempts`);
  return { runId, log };
}

interface JournalRecord {
  step: string;
  key: string;
  status: string;
  op?: number;
  command?: string;
  undone?: boolean;
}

/**
 * Once only, by the journal: no item done twice, and no operation acknowledged twice within an
 * item (an item undone by its `always` operations starts over, and may).
 */
export async function journalRepeats(stateDir: string, runId: string): Promise<string[]> {
  const text = await readFile(join(runDirOf(stateDir, runId), 'items.jsonl'), 'utf8').catch(() => '');
  const done = new Map<string, number>();
  const acked = new Map<string, Set<string>>();
  const repeats: string[] = [];
  for (const line of text.split('\n')) {
    let r: JournalRecord;
    try {
      r = JSON.parse(line) as JournalRecord;
    } catch {
      continue; // blank, or a torn last line
    }
    const id = `${r.step}/${r.key}`;
    if (r.status === 'done') {
      done.set(id, (done.get(id) ?? 0) + 1);
      if (done.get(id) === 2) repeats.push(`${id} done twice`);
    } else if (r.status === 'failed' && r.undone) acked.delete(id);
    else if (r.status === 'op-done') {
      const ops = acked.get(id) ?? acked.set(id, new Set()).get(id)!;
      const op = `${r.op} ${r.command ?? ''}`;
      if (ops.has(op)) repeats.push(`${id} operation ${op} acknowledged twice`);
      ops.add(op);
    }
  }
  return repeats;
}
