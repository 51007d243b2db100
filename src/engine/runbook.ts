// The runbook model. A runbook is an ordered list of steps; a step discovers (read-only),
// plans (returns operations as values), is guarded, and may settle (wait, read-only) and
// resolve ambiguous items on resume (read-only). The runner owns every side effect.
import type { z } from 'zod';
import type { Operation, OperationResult, ReadOperation, Target } from '../operations/types.js';
import type { CellDirectory } from '../operations/cells.js';

export type RunMode = 'live' | 'dry-run';

/**
 * Test mode narrows a whole run to one instance (and the volumes attached to it), one host, or one
 * volume; every mutating operation must target it (invariant 4). Empty: the whole cloud.
 */
export interface Scope {
  instance?: { uuid: string; name?: string };
  host?: string;
  volume?: { id: string; name?: string };
}

/** The kinds of rehearsal a runbook offers: --test-instance, --test-host, or one volume. */
export type TestScopeKind = 'instance' | 'host' | 'volume';

/** What a test scope reference resolved to. */
export type ResolvedScope =
  | { kind: 'instance'; uuid: string; name?: string }
  | { kind: 'host'; name: string }
  | { kind: 'volume'; id: string; name?: string };

/** A positional argument of `novaops run <runbook>`, e.g. reset-state's instances. */
export interface ArgumentSpec {
  /** commander syntax: '<instance...>' (required, variadic: a list) or '[instance...]'. */
  syntax: string;
  description: string;
  /** Key in the params object. */
  key: string;
}

/**
 * What an option's value is: a toggle (no value, true when given), one text, a list (the option
 * given again adds a value), or one of fixed choices. The CLI flag, the session's form field, the
 * `novaops show` line and the option's part of the params schema all follow from it.
 */
export type OptionKind = 'toggle' | 'text' | 'list' | 'choice';

export interface OptionSpec {
  /** commander flag syntax, e.g. '--ssh-reboot' or '--threshold <minutes>'. */
  flags: string;
  description: string;
  /** Key in the params object. */
  key: string;
  kind: OptionKind;
  /** Given again, it adds a value: the params get an array (e.g. --path A --path B). Set for kind 'list'. */
  repeatable?: boolean;
  /** kind 'choice': the values it takes, e.g. failed-node's --method evacuate | db. */
  choices?: readonly string[];
  /** The value when the option is not given (text and choice; a toggle is false, a list empty). */
  default?: string;
}

/**
 * A runbook as the catalogue knows it before any of its step code is loaded: what `novaops list`,
 * the argument parser, shell completion, the man page and the session's home read at start-up.
 * Each runbook declares it once, in runbooks/<id>/manifest.ts.
 */
export interface RunbookManifest {
  /** Stable: transcripts and resumes refer to it. */
  id: string;
  title: string;
  summary: string;
  /** Where the procedure comes from. */
  reference: string;
  /** The rehearsal it offers: --test-instance, --test-host (or none). */
  testScope?: TestScopeKind;
  options: readonly OptionSpec[];
  /** Positional arguments, in order (most runbooks have none). */
  arguments?: readonly ArgumentSpec[];
}

/** A catalogue line: the declaration, and the step code loaded only when the runbook is shown or run. */
export interface CatalogueEntry extends RunbookManifest {
  load(): Promise<Runbook>;
}

export interface StepContext<P = unknown> {
  readonly runId: string;
  readonly mode: RunMode;
  readonly params: P;
  readonly scope: Scope;
  /** Executes a read-only operation (also in dry-run). A mutating one is refused. */
  read<T>(op: ReadOperation<T>): Promise<OperationResult<T> & { value: T }>;
  /** Like read(), but a failure is returned rather than thrown. */
  tryRead<T>(op: ReadOperation<T>): Promise<OperationResult<T>>;
  /** Facts persisted in state.json across resumes (e.g. where the volume map is). */
  facts: Record<string, unknown>;
  setFact(key: string, value: unknown): Promise<void>;
  artifacts: Artifacts;
  note(message: string): void;
  warn(message: string): void;
  /** Bounded-concurrency map for read-only fan-out (e.g. one iscsiadm per host). */
  mapLimit<I, O>(items: readonly I[], fn: (item: I) => Promise<O>): Promise<O[]>;
  /** How long and how often to wait for the cloud (config `poll`). */
  readonly poll: { initialMs: number; maxMs: number; timeoutMs: number };
  /** Host aliases known to the config (compute nodes). */
  hosts(): string[];
  /** The directory a host's files are under: '/' on a real host, the host's directory in the lab (config `root:`). */
  hostRoot(host: string): string;
  /** The nova.conf files nova-compute reads on a host, in order (config `nova_conf:`, else the distribution's defaults). */
  hostNovaConf(host: string): readonly string[];
  /** Items a guard of an earlier step held back (they stay out of later steps too). */
  heldBack(stepId: string): HeldBack[];
  /** The cloud's cells and their databases (one, `nova`, where no API database is configured). */
  readonly cells: CellDirectory;
  /**
   * Runs of this runbook on this cloud that were abandoned since its last completed run, newest
   * first: what they captured may be the only record of state a new run can no longer see.
   */
  predecessors(): Promise<PriorRun[]>;
}

/** An abandoned earlier run, read-only. */
export interface PriorRun {
  runId: string;
  abandonedAt: string;
  scope: string;
  /** Its step statuses, by step id. */
  steps: Record<string, string>;
  artifacts: Pick<Artifacts, 'dir' | 'read' | 'exists'>;
}

export interface Artifacts {
  readonly dir: string;
  /** Durable write: temp file, fsync, rename, fsync dir. Returns the path. */
  write(name: string, content: string): Promise<string>;
  read(name: string): Promise<string | undefined>;
  exists(name: string): Promise<boolean>;
  /** A durable write in pieces, for what is too large to hold at once; the file appears on close(). */
  stream(name: string): Promise<ArtifactStream>;
}

export interface ArtifactStream {
  readonly path: string;
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** One unit of mutating work, recorded as done the moment its operations are acknowledged. */
export interface PlanItem<D = unknown> {
  /** Stable across resumes, e.g. 'reboot:<uuid>'. */
  key: string;
  summary: string;
  target: Target;
  ops: Operation[];
  /**
   * Items of a higher wave start only after every item of the lower waves settled (e.g. the
   * second attachment of a multi-attach volume waits for the first). Default 0.
   */
  wave?: number;
  /** What the step needs of this item later (settle, resolve, verify), typed, instead of keys rebuilt from strings. */
  data?: D;
}

export interface HeldBack {
  key: string;
  reason: string;
}

export interface StepPlan {
  items: PlanItem[];
  /** Lines shown with the plan (counts, warnings the operator must read). */
  notes?: string[];
}

export interface GuardResult {
  ok: boolean;
  detail: string;
  /** Items this guard keeps out of the step (the step goes on with the others). */
  holdBack?: HeldBack[];
}

export interface Guard<P = unknown> {
  name: string;
  /** What is checked, in words shown by `novaops show`. */
  describe: string;
  check(ctx: StepContext<P>, plan: StepPlan): Promise<GuardResult>;
}

export type ItemOutcome = { ok: true; detail?: string; warning?: string } | { ok: false; detail: string };

export interface StepCondition<P = unknown> {
  /** The condition in the operator's words: '--method db'. */
  describe: string;
  test(params: P): boolean;
}

export interface Step<P = unknown> {
  id: string;
  /** In the guide's words. */
  title: string;
  /** What the step changes, for `novaops show` and the confirmation. */
  changes: string;
  /** Read-only steps never ask for confirmation and never hold the lock for their own sake. */
  readOnly?: boolean;
  /** An optional step runs only when enabled; its failure does not block later steps. */
  optional?: boolean;
  enabled?(params: P): boolean;
  /**
   * When the step belongs to the procedure at all, e.g. only with --method db. A step that does not
   * apply is never planned: the run marks it "not applicable" once, and counts it as passed for the
   * order of the steps after it (invariant 1). `novaops show` prints the condition beside the step.
   */
  appliesWhen?: StepCondition<P>;
  /**
   * Why this mutating step has no guard, in words `novaops show` prints. A mutating step has
   * guards, or this (the engine refuses a runbook that has neither).
   */
  unguarded?: string;
  /** Lines the operator must read before this step runs (e.g. "do NOT reboot a second time"). */
  warnings?: string[];
  guards?: Guard<P>[];
  plan(ctx: StepContext<P>): Promise<StepPlan>;
  /**
   * After the guards: turns the items that may go ahead into the ones that run, e.g. one
   * set-based statement per chunk of volume attachments instead of three per attachment. Guards
   * and held-back facts keep speaking of the fine-grained items.
   */
  consolidate?(ctx: StepContext<P>, items: PlanItem[]): Promise<PlanItem[]>;
  /**
   * Right before an item's first operation is sent (after the confirmation, which may have taken
   * the operator minutes): a read that says why this item must not go ahead now, or nothing. An
   * item with a reason is held back, like one a guard held back. For APIs without compare-and-set.
   */
  recheck?(ctx: StepContext<P>, item: PlanItem): Promise<string | undefined>;
  /** After the items' operations were acknowledged: wait (read-only) until each is complete. */
  settle?(ctx: StepContext<P>, items: PlanItem[]): Promise<Map<string, ItemOutcome>>;
  /**
   * On resume, an item that was started but never acknowledged, or that failed: did it happen
   * after all? Answered by reading state (task_state, instance actions, volume status), never by
   * doing it again blindly.
   */
  resolve?(ctx: StepContext<P>, item: PlanItem, startedAt: string): Promise<'done' | 'not-done'>;
  /** Read-only check after the step; a failure stops the run. */
  verify?(ctx: StepContext<P>): Promise<GuardResult>;
}

/** A runbook: its declaration (the manifest), and the steps in the guide's order. */
export interface Runbook<P = any> extends RunbookManifest {
  version: string;
  /** Checks the options and arguments; every one of them is a key of it (the engine checks at load). */
  params: z.ZodType<P>;
  /**
   * Input only the cloud can judge (a path on a host, say), read before the run exists: a
   * UsageError here is bad input, exit 2, and no run directory is made. Read-only, like the lookup
   * of a test scope, and run in dry-runs too. `testScope` is the operator's reference when the run
   * is a rehearsal (resolved after this): what is checked for the whole cloud may then wait for it.
   */
  checkInput?(ctx: StepContext<P>, request: { testScope?: string }): Promise<void>;
  /** Resolves the operator's reference (uuid, name, host) to exactly one target; a UsageError otherwise. */
  resolveTestScope?(ctx: StepContext<P>, ref: string): Promise<ResolvedScope>;
  steps: Step<P>[];
}
