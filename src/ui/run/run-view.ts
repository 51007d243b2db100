// The run screen's picture of a run, built from engine events only (live or replayed from a
// transcript), so the screen never needs the engine itself.
import type { HeldBackItem, ItemStatus, RunOutcome, StepOutcome, WouldBlock } from '../../engine/events.js';
import type { RunMode } from '../../engine/runbook.js';
import type { CommandLogReader } from './command-log.js';

export type StepStatus = 'pending' | 'guards' | 'running' | 'held back' | Exclude<StepOutcome, 'skipped'> | 'skipped' | 'not applicable';

export interface RunInfo {
  runId: string;
  runbook: string;
  version: string;
  cloud: string;
  operator: string;
  host: string;
  mode: RunMode;
  /** A readable scope: 'whole cloud' or 'instance web-1 (uuid)'. */
  scope: string;
  resumed: boolean;
  attempt: number;
}

export interface GuardView {
  name: string;
  ok: boolean;
  detail: string;
  heldBack: { key: string; reason: string }[];
}

export interface StepCounts {
  done: number;
  failed: number;
  held: number;
  skipped: number;
}

export interface StepView {
  id: string;
  title: string;
  /** As the engine numbers steps (drp's read-only preflight is step 0). */
  index: number;
  optional: boolean;
  warnings: string[];
  status: StepStatus;
  guards: GuardView[];
  /** Distinct items of the step's planned operations. */
  plannedItems: number;
  plannedOps: number;
  /** The step plans at least one operation that changes the cloud. */
  mutating: boolean;
  counts: StepCounts;
  /** Items that started executing (op.start seen). */
  startedItems: number;
  /** ms epoch of step.start and of its first executed operation (rate and ETA count from there). */
  startedAt: number | null;
  executingSince: number | null;
  endedAt: number | null;
  detail: string;
}

/** One line of the scrolling log above the live area (finished items, notes, step ends): never redrawn. */
export interface LogLine {
  /** Position in the run's log; the key for <Static>. */
  n: number;
  kind: 'item' | 'note' | 'step' | 'confirm' | 'guard' | 'plan' | 'op';
  level: 'info' | 'warn' | 'error' | 'ok';
  text: string;
  step: string | null;
  /** kind 'item' */
  key?: string;
  status?: ItemStatus;
}

/** The log lines that arrived between two snapshots: one <Static> item, laid out once. */
export interface LogChunk {
  n: number;
  lines: LogLine[];
}

export interface RunningOperation {
  opId: string;
  step: string;
  item: string | null;
  summary: string;
  command: string;
  mutating: boolean;
  startedAt: number;
  /** The latest output lines, at most OUTPUT_LINES. */
  output: string[];
}

export interface RunEnd {
  outcome: RunOutcome;
  summary: string;
  durationMs: number;
  counts: StepCounts;
  runDir: string | null;
  /** The items left undone on purpose (completed-held-back names them). */
  heldBack: HeldBackItem[];
  /** Dry-run: the guards that would refuse a live run. */
  wouldBlock: WouldBlock[];
}

export const OUTPUT_LINES = 3;

/** A question of the engine waiting for the operator. */
export interface PendingConfirmation {
  id: number;
  step: string | null;
  question: string;
  /** Exactly what will change, as the engine listed it. */
  details: readonly string[];
  /** The word to type before yes counts (destructive steps), or null for a plain y/n. */
  typedWord: string | null;
  /** What the word stands for, e.g. 'the number of items'. */
  typedWordMeaning: string | null;
}

/** An immutable snapshot; a new object after each batch of events. */
export interface RunView {
  info: RunInfo | null;
  /** The run's mode: from run.start, or as asked for before it (so the first frame has its banner). */
  mode: RunMode | null;
  readOnly: boolean;
  steps: StepView[];
  /** Append-only: finished items, notes, step ends, in chunks per snapshot (rendered once, in <Static>). */
  log: LogChunk[];
  running: RunningOperation[];
  warnings: string[];
  confirmation: PendingConfirmation | null;
  /** First Ctrl-C: the screen asks whether to stop after the operations in flight. */
  askingStop: boolean;
  /** The operator said yes to stopping: no new item starts. */
  stopping: boolean;
  end: RunEnd | null;
  /** Events applied so far, and those applied but not yet in a snapshot (the backlog). */
  events: number;
  /** ms epoch of the latest event (rates and ETAs count in event time, so replays show the run's own). */
  at: number;
  /** The command log, shared between snapshots (read it while rendering only); its version says when it changed. */
  commands: CommandLogReader;
  commandsVersion: number;
}
