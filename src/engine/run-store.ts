// A run's directory: state.json (rewritten atomically), items.jsonl (fsync'd acknowledgements),
// transcript.jsonl (events) and artifacts/ (volume map, row backups, rollback SQL).
//
// Invariant 14: only the process holding a run's lock writes its directory. A store opened from
// disk is read-only until claim() is handed the lock; every write path checks that, so a resume
// refused by the lock cannot touch the run that the lock's holder is driving.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { showValue } from '../values/show-value.js';
import { DurableJournal } from '../effects/files/journal.js';
import { openDurableStream, readIfExists, syncDir, writeFileDurably, type DurableFs } from '../effects/files/durable-write.js';
import { ensureDir, fileExists, listNames, modifiedAt, moveIntoPlace, removeTree } from '../effects/files/local-files.js';
import { DamagedRunError, EngineRuleError, UsageError } from './errors.js';
import type { RunLock } from './lock.js';
import type { Artifacts } from './runbook.js';
import { parseRunState, type RunState } from './run-state.js';

export type { RunScope, RunState, RunStatus, StepState } from './run-state.js';

export type ItemRecordStatus = 'started' | 'done' | 'failed' | 'held' | 'op-done';

export interface ItemRecord {
  step: string;
  key: string;
  status: ItemRecordStatus;
  ts: string;
  detail?: string;
  /** 'op-done': which operation of a multi-operation item was acknowledged (its index). */
  op?: number;
  /** 'op-done': what that operation was (its command line), so a re-planned item is matched by what it does. */
  command?: string;
  /** 'failed': the item's `always` operations ran after the failure and undid its earlier ones. */
  undone?: boolean;
}

/** An operation an earlier attempt finished: its position then, and what it was. */
export interface AcknowledgedOp {
  index: number;
  /** Absent in journals written before operations were recorded by their command. */
  command?: string;
}

export interface ItemJournal {
  /** The latest item-level record of every item. */
  items: Map<string, ItemRecord>;
  /** Operations acknowledged since the item last started over, by item id. */
  opsDone: Map<string, AcknowledgedOp[]>;
}

export const STATE_FILE = 'state.json';
const CREATING = '.creating';
/** A run directory is built in milliseconds: one still under construction after an hour was left by a kill. */
const ABANDONED_BUILD_MS = 60 * 60_000;
export const ITEMS_FILE = 'items.jsonl';
const RUN_ID = /^\d{8}-\d{6}-[a-z][a-z0-9-]{0,40}-[0-9a-f]{4}$/;

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export function newRunId(runbook: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${runbook}-${randomBytes(2).toString('hex')}`;
}

/** A run id as the operator typed it: the shape newRunId makes, nothing that could leave runs/. */
export function checkRunId(runId: string): string {
  if (RUN_ID.test(runId)) return runId;
  throw new UsageError(`${showValue(runId)} is not a run id (they look like 20260101-120000-drp-1a2b)`, 'novaops transcripts list shows the recorded runs');
}

/** The runbook id a run id names, readable even when the run's state.json is not. */
export function runbookOfRunId(runId: string): string | undefined {
  return RUN_ID.test(runId) ? runId.slice(16, -5) : undefined;
}

export class RunStore {
  readonly items: DurableJournal;
  readonly artifacts: Artifacts;
  private claimed: boolean;

  private constructor(
    readonly dir: string,
    public state: RunState,
    claimed: boolean,
    private readonly fs?: DurableFs,
  ) {
    this.claimed = claimed;
    this.items = new DurableJournal(join(dir, ITEMS_FILE));
    this.artifacts = directoryArtifacts(join(dir, 'artifacts'), () => this.assertClaimed('write an artifact'), fs);
  }

  /**
   * A new run's directory. Called only once the run was admitted (lock held, scope resolved).
   * `fs` replaces the file operations of state.json and the artifacts (tests inject faults there).
   */
  static async create(stateDir: string, state: RunState, fs?: DurableFs): Promise<RunStore> {
    // Born complete: built under a dot-name (which no listing reads), then renamed into place, so
    // that a kill at any instant leaves either no run directory or one with its state.json.
    const dir = join(runsDir(stateDir), state.runId);
    const building = join(runsDir(stateDir), `.${state.runId}${CREATING}`);
    await removeAbandonedBuilds(runsDir(stateDir));
    await ensureDir(join(building, 'artifacts'));
    await new RunStore(building, state, true, fs).save();
    await moveIntoPlace(building, dir);
    await syncDir(runsDir(stateDir));
    return new RunStore(dir, state, true, fs);
  }

  /** An existing run, read-only until claim(). A damaged state.json is a DamagedRunError naming the file. */
  static async open(stateDir: string, runId: string): Promise<RunStore> {
    checkRunId(runId);
    const dir = join(runsDir(stateDir), runId);
    const path = join(dir, STATE_FILE);
    let text: string | undefined;
    try {
      text = await readIfExists(path);
    } catch (error) {
      throw new DamagedRunError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'check the permissions of the run directory');
    }
    if (text === undefined) throw new UsageError(`no run ${runId} in ${runsDir(stateDir)}`, 'novaops transcripts list shows the recorded runs');
    const parsed = parseRunState(text);
    if (!parsed.ok) throw damagedState(path, parsed.problem);
    if (parsed.state.runId !== runId) throw damagedState(path, `it names run ${showValue(parsed.state.runId)}, not ${runId}`);
    return new RunStore(dir, parsed.state, false);
  }

  /** Makes an opened run writable: only with the cloud's lock in hand. */
  claim(lock: RunLock): void {
    if (!lock.held()) throw new EngineRuleError(`run ${this.state.runId}: its directory may only be written while holding the lock`);
    this.claimed = true;
  }

  get transcriptPath(): string {
    return join(this.dir, 'transcript.jsonl');
  }

  get writable(): boolean {
    return this.claimed;
  }

  async save(): Promise<void> {
    this.assertClaimed('save state.json');
    this.state.updatedAt = new Date().toISOString();
    await writeFileDurably(join(this.dir, STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`, 0o600, { fs: this.fs });
  }

  async record(record: Omit<ItemRecord, 'ts'>): Promise<void> {
    this.assertClaimed('journal an item');
    await this.items.append(JSON.stringify({ ...record, ts: new Date().toISOString() }));
  }

  /** The latest record of every item of every step, folded from the journal. */
  async itemRecords(): Promise<Map<string, ItemRecord>> {
    return (await readItemJournal(join(this.dir, ITEMS_FILE))).items;
  }

  /** Items and their acknowledged operations, folded from the journal. */
  async journal(): Promise<ItemJournal> {
    return readItemJournal(join(this.dir, ITEMS_FILE));
  }

  async close(): Promise<void> {
    await this.items.close();
  }

  private assertClaimed(what: string): void {
    if (!this.claimed) throw new EngineRuleError(`refused to ${what} of run ${this.state.runId}: this process does not hold its lock`);
  }
}

/** Directories a killed process left half-built: never a run (no listing reads them), only clutter. */
async function removeAbandonedBuilds(runs: string): Promise<void> {
  for (const name of await listNames(runs)) {
    if (!name.startsWith('.') || !name.endsWith(CREATING)) continue;
    const changed = await modifiedAt(join(runs, name));
    if (changed !== undefined && Date.now() - changed > ABANDONED_BUILD_MS) await removeTree(join(runs, name));
  }
}

function damagedState(path: string, problem: string): DamagedRunError {
  return new DamagedRunError(
    `${path} is damaged: ${problem}`,
    'the run cannot be resumed as it is: restore state.json from a copy of the run directory, or move the directory out of runs/ (keep it for the post-mortem) and start a new run',
  );
}

export function itemId(step: string, key: string): string {
  return `${step}\u0000${key}`;
}

export async function readItemRecords(path: string): Promise<Map<string, ItemRecord>> {
  return (await readItemJournal(path)).items;
}

export async function readItemJournal(path: string): Promise<ItemJournal> {
  const latest = new Map<string, ItemRecord>();
  const opsDone = new Map<string, AcknowledgedOp[]>();
  const text = (await readIfExists(path)) ?? '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: ItemRecord;
    try {
      record = JSON.parse(line) as ItemRecord;
    } catch {
      continue; // torn last line after a kill
    }
    if (!record || typeof record !== 'object' || typeof record.step !== 'string' || typeof record.key !== 'string') continue;
    const id = itemId(record.step, record.key);
    if (record.status === 'op-done') {
      if (typeof record.op === 'number') {
        const done = opsDone.get(id) ?? opsDone.set(id, []).get(id)!;
        done.push(typeof record.command === 'string' ? { index: record.op, command: record.command } : { index: record.op });
      }
      continue;
    }
    // Undone by its `always` operations: the item starts over from its first operation.
    if (record.status === 'failed' && record.undone) opsDone.delete(id);
    const previous = latest.get(id);
    // 'started' keeps the first start time: resolve() asks "did it happen since then?".
    if (record.status === 'started' && previous?.status === 'started') continue;
    // Done is done: a later attempt's guard holding the item back does not undo it.
    if (record.status === 'held' && previous?.status === 'done') continue;
    latest.set(id, record);
  }
  return { items: latest, opsDone };
}

export interface DamagedRun {
  runId: string;
  dir: string;
  problem: string;
}

/** Every run directory: the readable runs, and the damaged ones with what is wrong. */
export async function scanRuns(stateDir: string): Promise<{ runs: RunState[]; damaged: DamagedRun[] }> {
  const runs: RunState[] = [];
  const damaged: DamagedRun[] = [];
  for (const name of (await listNames(runsDir(stateDir))).sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(runsDir(stateDir), name);
    let text: string | undefined;
    try {
      text = await readIfExists(join(dir, STATE_FILE));
    } catch (error) {
      damaged.push({ runId: name, dir, problem: `${STATE_FILE} unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    if (text === undefined) {
      damaged.push({ runId: name, dir, problem: `no ${STATE_FILE}` });
      continue;
    }
    const parsed = parseRunState(text);
    if (parsed.ok) runs.push(parsed.state);
    else damaged.push({ runId: name, dir, problem: `${STATE_FILE} ${parsed.problem}` });
  }
  return { runs, damaged };
}

export async function listRuns(stateDir: string): Promise<RunState[]> {
  return (await scanRuns(stateDir)).runs;
}

function directoryArtifacts(dir: string, beforeWrite: () => void, fs: DurableFs | undefined): Artifacts {
  const safe = (name: string): string => {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`artifact name not allowed: ${name}`);
    return join(dir, name);
  };
  return {
    dir,
    async write(name, content) {
      beforeWrite();
      const path = safe(name);
      await writeFileDurably(path, content, 0o600, { fs });
      return path;
    },
    read: (name) => readIfExists(safe(name), { fs }),
    async stream(name) {
      beforeWrite();
      const path = safe(name);
      return { path, ...(await openDurableStream(path, 0o600, { fs })) };
    },
    exists: (name) => fileExists(safe(name)),
  };
}
