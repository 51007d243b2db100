// A run's directory: state.json (rewritten atomically), items.jsonl (fsync'd acknowledgements),
// transcript.jsonl (events) and artifacts/ (volume map, row backups, rollback SQL).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DurableJournal } from '../effects/files/journal.js';
import { readIfExists, writeFileDurably } from '../effects/files/durable-write.js';
import { ensureDir, fileExists, listNames } from '../effects/files/local-files.js';
import type { RunOutcome, StepOutcome } from './events.js';
import type { Artifacts, RunMode } from './runbook.js';

export type RunStatus = 'running' | RunOutcome;

export interface StepState {
  status: 'pending' | 'running' | StepOutcome;
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface RunState {
  runId: string;
  runbook: string;
  version: string;
  params: unknown;
  mode: RunMode;
  /** The operator's --test-instance argument and what it resolved to; kept across resumes. */
  scope: { ref: string; uuid: string; name?: string } | null;
  cloud: string;
  operator: string;
  host: string;
  pid: number;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  attempts: number;
  steps: Record<string, StepState>;
  facts: Record<string, unknown>;
}

export type ItemRecordStatus = 'started' | 'done' | 'failed' | 'held';

export interface ItemRecord {
  step: string;
  key: string;
  status: ItemRecordStatus;
  ts: string;
  detail?: string;
}

export const STATE_FILE = 'state.json';
export const ITEMS_FILE = 'items.jsonl';

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export function newRunId(runbook: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${runbook}-${randomBytes(2).toString('hex')}`;
}

export class RunStore {
  readonly items: DurableJournal;
  readonly artifacts: Artifacts;

  private constructor(
    readonly dir: string,
    public state: RunState,
  ) {
    this.items = new DurableJournal(join(dir, ITEMS_FILE));
    this.artifacts = directoryArtifacts(join(dir, 'artifacts'));
  }

  static async create(stateDir: string, state: RunState): Promise<RunStore> {
    const dir = join(runsDir(stateDir), state.runId);
    await ensureDir(join(dir, 'artifacts'));
    const store = new RunStore(dir, state);
    await store.save();
    return store;
  }

  static async open(stateDir: string, runId: string): Promise<RunStore> {
    const dir = join(runsDir(stateDir), runId);
    const text = await readIfExists(join(dir, STATE_FILE));
    if (text === undefined) throw new Error(`no ${STATE_FILE} in ${dir}`);
    const state = JSON.parse(text) as RunState;
    return new RunStore(dir, state);
  }

  get transcriptPath(): string {
    return join(this.dir, 'transcript.jsonl');
  }

  async save(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    await writeFileDurably(join(this.dir, STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  async record(record: Omit<ItemRecord, 'ts'>): Promise<void> {
    await this.items.append(JSON.stringify({ ...record, ts: new Date().toISOString() }));
  }

  /** The latest record of every item of every step, folded from the journal. */
  async itemRecords(): Promise<Map<string, ItemRecord>> {
    return readItemRecords(join(this.dir, ITEMS_FILE));
  }

  async close(): Promise<void> {
    await this.items.close();
  }
}

export function itemId(step: string, key: string): string {
  return `${step}\u0000${key}`;
}

export async function readItemRecords(path: string): Promise<Map<string, ItemRecord>> {
  const latest = new Map<string, ItemRecord>();
  const text = (await readIfExists(path)) ?? '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: ItemRecord;
    try {
      record = JSON.parse(line) as ItemRecord;
    } catch {
      continue; // torn last line after a kill
    }
    const id = itemId(record.step, record.key);
    const previous = latest.get(id);
    // 'started' keeps the first start time: resolve() asks "did it happen since then?".
    if (record.status === 'started' && previous?.status === 'started') continue;
    latest.set(id, record);
  }
  return latest;
}

export async function listRuns(stateDir: string): Promise<RunState[]> {
  const states: RunState[] = [];
  for (const name of (await listNames(runsDir(stateDir))).sort()) {
    try {
      const text = await readIfExists(join(runsDir(stateDir), name, STATE_FILE));
      if (text) states.push(JSON.parse(text) as RunState);
    } catch {
      // a directory without a readable state is not a run
    }
  }
  return states;
}

function directoryArtifacts(dir: string): Artifacts {
  const safe = (name: string): string => {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`artifact name not allowed: ${name}`);
    return join(dir, name);
  };
  return {
    dir,
    async write(name, content) {
      const path = safe(name);
      await writeFileDurably(path, content);
      return path;
    },
    read: (name) => readIfExists(safe(name)),
    exists: (name) => fileExists(safe(name)),
  };
}
