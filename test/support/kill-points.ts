// Killing a running CLI at a chosen moment, for the crash-and-resume tests: a watcher that tails
// the run's transcript (only this attempt's events), notices files the instant they appear, and
// sends SIGKILL when its kill point is reached. Plus the checks those tests share: quiet lab,
// rows of other instances untouched, attachments restored.
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent } from '../../src/engine/events.js';
import { startCli, type CliProcess, type CliResult } from './cli.js';
import type { Rows } from './db-snapshot.js';
import { withoutHeartbeat } from './db-snapshot.js';
import type { TestLab } from './lab.js';
import { runIds, transcriptOf } from './transcript-watch.js';

export type KillPoint =
  | { kind: 'none' }
  /** once this attempt has written n transcript events */
  | { kind: 'events'; n: number }
  /** the instant a new runs/<id>/state.json exists (the directory still being built counts) */
  | { kind: 'state-json' }
  /** the instant a new run directory with its state.json is in place under its run id */
  | { kind: 'placed-state-json' }
  /** the instant artifacts/volume-map.json exists */
  | { kind: 'map-json' }
  /** while clean-db commits: as soon as Cinder's side is committed (Nova's may or may not be yet) */
  | { kind: 'clean-db-commit' }
  /** right after step.end clean-db */
  | { kind: 'after-clean-db' }
  /** after k reboot requests were answered in this attempt */
  | { kind: 'mid-reboot'; k: number }
  /** after k attach requests were answered in this attempt */
  | { kind: 'mid-reattach'; k: number }
  /** the instant this attempt's first mutating operation has started (before it is answered) */
  | { kind: 'first-mutation' }
  /** after k operations of items ended in this attempt, whatever their step (mid-item for multi-operation items) */
  | { kind: 'op-ends'; k: number };

export function describeKillPoint(p: KillPoint): string {
  switch (p.kind) {
    case 'events':
      return `events>=${p.n}`;
    case 'mid-reboot':
    case 'mid-reattach':
    case 'op-ends':
      return `${p.kind}:${p.k}`;
    default:
      return p.kind;
  }
}

export function runDirOf(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId);
}

export function mapPathOf(stateDir: string, runId: string): string {
  return join(runDirOf(stateDir, runId), 'artifacts', 'volume-map.json');
}

export async function readState(stateDir: string, runId: string): Promise<Record<string, any> | undefined> {
  try {
    return JSON.parse(await readFile(join(runDirOf(stateDir, runId), 'state.json'), 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

/** Run ids that have a state.json (a directory without one is not a run). */
export async function runsWithState(stateDir: string): Promise<string[]> {
  const ids = await runIds(stateDir);
  return ids.filter((id) => existsSync(join(runDirOf(stateDir, id), 'state.json')));
}

/** Reads a transcript incrementally from a byte offset: a poll every few ms stays cheap. */
export class TranscriptTail {
  readonly events: EngineEvent[] = [];
  private partial = '';

  private constructor(
    readonly path: string,
    private offset: number,
  ) {}

  /** Sees only what is appended from now on (this attempt's events). */
  static async fromEnd(path: string): Promise<TranscriptTail> {
    const size = await stat(path).then((s) => s.size, () => 0);
    return new TranscriptTail(path, size);
  }

  static fromStart(path: string): TranscriptTail {
    return new TranscriptTail(path, 0);
  }

  async update(): Promise<EngineEvent[]> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return this.events;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.partial += buf.subarray(0, bytesRead).toString('utf8');
      }
    } finally {
      await fh.close();
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        this.events.push(JSON.parse(line) as EngineEvent);
      } catch {
        // a torn line left by an earlier kill
      }
    }
    return this.events;
  }
}

export interface WatchedRun {
  result: CliResult;
  /** the watcher sent SIGKILL (the process may still have finished its work first) */
  killed: boolean;
  runId?: string;
  /** this attempt's events as seen by the watcher, then read to the end after the process ended */
  events: EngineEvent[];
  /** the volume map's bytes the first time this watcher saw the file */
  firstMapSeen?: string;
  pid: number;
}

export interface WatchOptions {
  args: string[];
  env: Record<string, string>;
  stateDir: string;
  point: KillPoint;
  /** for a resume: the run it works on (its transcript is tailed from its current end) */
  runId?: string;
  /** clean-db-commit needs the DB */
  lab?: TestLab;
  pollMs?: number;
}

function countOpEnds(events: EngineEvent[], step: string): number {
  return events.filter((e) => e.type === 'op.end' && e.step === step && e.item !== null).length;
}

/**
 * Starts the CLI and SIGKILLs it at `point`. Files are watched with inotify as well as polled, so
 * "the instant it exists" is well under a millisecond after the rename that creates it.
 */
export async function runAndKill(opts: WatchOptions): Promise<WatchedRun> {
  const { stateDir, point } = opts;
  const pollMs = opts.pollMs ?? 3;
  const before = new Set(await runIds(stateDir));
  let runId = opts.runId;
  let tail = runId ? await TranscriptTail.fromEnd(transcriptOf(stateDir, runId)) : undefined;

  const proc: CliProcess = startCli(opts.args, opts.env);
  let exited = false;
  void proc.done.then(() => (exited = true));
  let killed = false;
  const kill = () => {
    if (killed || exited) return;
    killed = true;
    proc.child.kill('SIGKILL');
  };
  let firstMapSeen: string | undefined;
  const watchers: FSWatcher[] = [];
  const watchDir = (dir: string, onEvent: () => void) => {
    try {
      const w = watch(dir, () => onEvent());
      w.on('error', () => undefined);
      watchers.push(w);
      onEvent();
      return true;
    } catch {
      return false;
    }
  };

  // File-appears kill points: inotify on the directory that will hold the file.
  let runsWatched = false;
  const watchedRunDirs = new Set<string>();
  let artifactsWatched = false;
  const onRunsChange = () => {
    if (point.kind !== 'state-json' && point.kind !== 'placed-state-json') return;
    const dir = join(stateDir, 'runs');
    let names: string[] = [];
    try {
      names = readdirSync(dir); // synchronous, like the fs.watch callback it runs in
    } catch {
      return;
    }
    for (const name of names) {
      if (before.has(name) || watchedRunDirs.has(name)) continue;
      if (point.kind === 'placed-state-json' && name.startsWith('.')) continue;
      watchedRunDirs.add(name);
      const stateFile = join(dir, name, 'state.json');
      watchDir(join(dir, name), () => {
        if (existsSync(stateFile)) kill();
      });
    }
  };

  try {
    while (!exited && !killed) {
      if ((point.kind === 'state-json' || point.kind === 'placed-state-json') && !runsWatched && existsSync(join(stateDir, 'runs'))) {
        runsWatched = watchDir(join(stateDir, 'runs'), onRunsChange);
      }
      if (!runId) {
        const fresh = (await runIds(stateDir)).filter((id) => !before.has(id));
        if (fresh.length > 0) {
          runId = fresh[fresh.length - 1];
          tail = TranscriptTail.fromStart(transcriptOf(stateDir, runId));
        }
      }
      if (runId) {
        const mapPath = mapPathOf(stateDir, runId);
        if (point.kind === 'map-json' && !artifactsWatched && existsSync(join(runDirOf(stateDir, runId), 'artifacts'))) {
          artifactsWatched = watchDir(join(runDirOf(stateDir, runId), 'artifacts'), () => {
            if (existsSync(mapPath)) kill();
          });
        }
        if ((point.kind === 'state-json' || point.kind === 'placed-state-json') && existsSync(join(runDirOf(stateDir, runId), 'state.json'))) kill();
        if (point.kind === 'map-json' && existsSync(mapPath)) kill();
        if (firstMapSeen === undefined) firstMapSeen = await readFile(mapPath, 'utf8').catch(() => undefined);
        const events = await tail!.update();
        if (!killed && (await reached(point, events, opts, runId))) kill();
      }
      if (!killed && !exited) await sleep(pollMs);
    }
  } finally {
    for (const w of watchers) w.close();
  }
  const result = await proc.done;
  if (!runId) {
    const fresh = (await runIds(stateDir)).filter((id) => !before.has(id));
    runId = fresh.pop();
    if (runId) tail = TranscriptTail.fromStart(transcriptOf(stateDir, runId));
  }
  if (runId && firstMapSeen === undefined) firstMapSeen = await readFile(mapPathOf(stateDir, runId), 'utf8').catch(() => undefined);
  const events = tail ? await tail.update() : [];
  return { result, killed, runId, events, firstMapSeen, pid: proc.child.pid ?? -1 };
}

async function reached(point: KillPoint, events: EngineEvent[], opts: WatchOptions, runId: string): Promise<boolean> {
  switch (point.kind) {
    case 'none':
    case 'state-json':
    case 'placed-state-json':
    case 'map-json':
      return false;
    case 'events':
      return events.length >= point.n;
    case 'after-clean-db':
      return events.some((e) => e.type === 'step.end' && e.step === 'clean-db');
    case 'mid-reboot':
      return countOpEnds(events, 'reboot') >= point.k;
    case 'mid-reattach':
      return countOpEnds(events, 'reattach') >= point.k;
    case 'first-mutation':
      return events.some((e) => e.type === 'op.start' && e.mutating);
    case 'op-ends':
      return events.filter((e) => e.type === 'op.end' && e.item !== null).length >= point.k;
    case 'clean-db-commit': {
      if (!events.some((e) => e.type === 'step.start' && e.step === 'clean-db')) return false;
      if (events.some((e) => e.type === 'step.end' && e.step === 'clean-db')) return true;
      const lab = opts.lab;
      if (!lab) throw new Error('clean-db-commit needs the lab');
      const pairs = await mapPairs(opts.stateDir, runId);
      if (pairs.length === 0) return false;
      return (await liveCinderAttachments(lab, pairs)) === 0;
    }
  }
}

export interface Pair {
  volume: string;
  instance: string;
  device?: string | null;
}

export async function mapPairs(stateDir: string, runId: string): Promise<Pair[]> {
  try {
    const map = JSON.parse(await readFile(mapPathOf(stateDir, runId), 'utf8')) as { entries: { volumeId: string; instanceUuid: string; device: string | null }[] };
    return map.entries.map((e) => ({ volume: e.volumeId, instance: e.instanceUuid, device: e.device }));
  } catch {
    return [];
  }
}

function pairSql(pairs: Pair[]): { sql: string; params: string[] } {
  return { sql: pairs.map(() => '(volume_id = ? AND instance_uuid = ?)').join(' OR '), params: pairs.flatMap((p) => [p.volume, p.instance]) };
}

export async function liveCinderAttachments(lab: TestLab, pairs: Pair[]): Promise<number> {
  const { sql, params } = pairSql(pairs);
  const [row] = await lab.rootQuery<{ n: number }[]>(`SELECT COUNT(*) AS n FROM \`${lab.info.db.schemas.cinder}\`.volume_attachment WHERE deleted = 0 AND (${sql})`, params);
  return Number(row.n);
}

export async function liveBdms(lab: TestLab, pairs: Pair[]): Promise<number> {
  const { sql, params } = pairSql(pairs);
  const [row] = await lab.rootQuery<{ n: number }[]>(`SELECT COUNT(*) AS n FROM \`${lab.info.db.schemas.nova}\`.block_device_mapping WHERE deleted = 0 AND (${sql})`, params);
  return Number(row.n);
}

/** Waits until the lab has no request or state transition in progress (a killed CLI leaves some). */
export async function waitQuiet(lab: TestLab, extraMs = 0): Promise<void> {
  const settings = await lab.setSettings({});
  // A request of a killed CLI may still sit in the simulator's latency wait, or be half handled
  // (its transitions not scheduled yet): quiet means no transition pending AND the tables a
  // request changes unchanged over a full latency period.
  const period = settings.latencyMs * 2 + 100;
  await sleep(period + extraMs);
  const { nova, cinder } = lab.info.db.schemas;
  const tables = [`\`${nova}\`.instances`, `\`${nova}\`.instance_actions`, `\`${nova}\`.block_device_mapping`, `\`${cinder}\`.volumes`, `\`${cinder}\`.volume_attachment`];
  const signature = async () => {
    const health = (await (await fetch(`${lab.info.api.url}/_lab/health`)).json()) as { pendingTransitions: number };
    const sums = await lab.rootQuery<{ Checksum: unknown }[]>(`CHECKSUM TABLE ${tables.join(', ')}`);
    return health.pendingTransitions === 0 ? JSON.stringify(sums.map((r) => String(r.Checksum))) : undefined;
  };
  const deadline = Date.now() + 30_000;
  let previous = await signature();
  let stable = 0;
  while (Date.now() < deadline) {
    await sleep(period);
    const now = await signature();
    stable = now !== undefined && now === previous ? stable + 1 : 0;
    if (stable >= 1) return;
    previous = now;
  }
  throw new Error('the lab did not become quiet within 30 s');
}

/** Does this row belong to instance X or one of X's volumes? (as in test-instance.test.ts) */
export function relatedTo(row: Record<string, unknown>, instance: string, volumes: Set<string>): boolean {
  return (
    row.uuid === instance ||
    row.instance_uuid === instance ||
    (typeof row.id === 'string' && volumes.has(row.id) && 'attach_status' in row && !('volume_id' in row))
  );
}

/** Every row not related to X that was changed, removed or added between two snapshots. */
export function unrelatedChanges(before: Rows, after: Rows, x: string, xVolumes: Set<string>): string[] {
  const problems: string[] = [];
  const key = (r: Record<string, unknown>) => JSON.stringify(r.id ?? r);
  for (const [table, rows] of Object.entries(before)) {
    const afterById = new Map((after[table] ?? []).map((r) => [key(r), withoutHeartbeat(table, r)]));
    for (const row of rows) {
      if (relatedTo(row, x, xVolumes)) continue;
      const now = afterById.get(key(row));
      const was = withoutHeartbeat(table, row);
      if (JSON.stringify(now) !== JSON.stringify(was)) problems.push(`${table} row ${key(row)}: ${JSON.stringify(was)} -> ${JSON.stringify(now)}`);
    }
    const beforeIds = new Set(rows.map(key));
    for (const row of after[table] ?? []) {
      if (!beforeIds.has(key(row)) && !relatedTo(row, x, xVolumes)) problems.push(`${table} new row ${JSON.stringify(row)}`);
    }
  }
  return problems;
}

/** Pairs not restored as exactly one live, attached Cinder attachment at the device and one live BDM. */
export async function unrestored(lab: TestLab, pairs: { volume: string; instance: string; device: string }[]): Promise<string[]> {
  const cinder = lab.info.db.schemas.cinder;
  const nova = lab.info.db.schemas.nova;
  const problems: string[] = [];
  for (const pair of pairs) {
    const attachments = await lab.rootQuery<{ mountpoint: string | null; attach_status: string }[]>(
      `SELECT mountpoint, attach_status FROM \`${cinder}\`.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
      [pair.volume, pair.instance],
    );
    const bdms = await lab.rootQuery<{ device_name: string | null }[]>(
      `SELECT device_name FROM \`${nova}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
      [pair.volume, pair.instance],
    );
    const [volume] = await lab.rootQuery<{ status: string }[]>(`SELECT status FROM \`${cinder}\`.volumes WHERE id = ?`, [pair.volume]);
    const ok =
      attachments.length === 1 &&
      attachments[0].attach_status === 'attached' &&
      attachments[0].mountpoint === pair.device &&
      bdms.length === 1 &&
      volume?.status === 'in-use';
    if (!ok) problems.push(`${pair.volume} on ${pair.instance} at ${pair.device}: attachments ${JSON.stringify(attachments)}, BDMs ${JSON.stringify(bdms)}, volume ${volume?.status}`);
  }
  return problems;
}

