// A recorded run folded into what a post-mortem asks: who ran what, with which options, each
// attempt (a run.start and what followed it) as steps of items with their start and their
// acknowledgement, the guards and what they held back, the confirmations, how long one item of
// each step took, the commands an operator could type, and where the rollback material is.
// Pure: events in, a model out; the HTML and Markdown presenters render it.
import { notApplicable, type EngineEvent, type ItemStatus, type RunOutcome } from '../../engine/events.js';
import type { ArgumentSpec, OptionSpec } from '../../engine/runbook.js';
import type { RunArtifact } from '../../engine/run-record.js';
import { durationStats, type DurationStats } from './duration-stats.js';
import { commandLine, runOptions, type RunOption } from './run-options.js';

export type { RunOption } from './run-options.js';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

export type BarStatus = ItemStatus | 'planned' | 'unfinished';

/** One item in one attempt: from its first operation's start to its acknowledgement. */
export interface ItemBar {
  step: string;
  key: string;
  status: BarStatus;
  detail: string;
  start: number;
  end: number;
  /** False when no operation of the item started in this attempt (held back, resolved by reading state, planned). */
  measured: boolean;
  /** An operation of it was sent again, or an earlier attempt failed it. */
  retried: boolean;
  /** When its operations failed (an item may still end done, e.g. after a read-back). */
  opFailures: number[];
}

export interface ConfirmMark {
  ts: number;
  question: string;
  answer: boolean;
  /** How it was answered: '--yes', 'prompt', ... */
  how: string;
  who: string;
}

export interface GuardRecord {
  attempt: number;
  name: string;
  ok: boolean;
  detail: string;
  heldBack: { key: string; reason: string }[];
}

export interface StepRun {
  step: string;
  title: string;
  index: number;
  optional: boolean;
  warnings: string[];
  start: number;
  /** The step's end, or the attempt's last event when it never ended. */
  end: number;
  outcome: string;
  detail: string;
  items: ItemBar[];
  guards: GuardRecord[];
  confirms: ConfirmMark[];
  notes: { level: 'info' | 'warn'; message: string }[];
}

export interface Attempt {
  attempt: number;
  resumed: boolean;
  start: number;
  end: number;
  outcome: RunOutcome | 'interrupted';
  summary: string;
  steps: StepRun[];
  apiRequests: Record<string, number>;
}

export interface OperatorCommand {
  command: string;
  summary: string;
  mutating: boolean;
  /** How many times it was planned or run, over every attempt. */
  count: number;
}

/** A step over every attempt: what a post-mortem compares between clouds or runs. */
export interface StepSummary {
  step: string;
  title: string;
  index: number;
  counts: Record<BarStatus, number>;
  durations: DurationStats | undefined;
  guards: GuardRecord[];
  confirms: (ConfirmMark & { attempt: number })[];
  notes: { attempt: number; level: 'info' | 'warn'; message: string }[];
  commands: OperatorCommand[];
}

export interface ArtifactEntry extends RunArtifact {
  kind: 'rollback script' | 'row backup' | 'volume map' | 'file backup' | 'artifact';
}

export interface ReportModel {
  runId: string;
  runbook: string;
  version: string;
  cloud: string;
  operator: string;
  mode: string;
  scope: string;
  outcome: string;
  summary: string;
  /** Time spent in attempts (the gaps between them, waiting for a resume, are not counted). */
  durationMs: number;
  startedAt: string;
  endedAt: string;
  /** The command line the run was started with, as far as the transcript tells. */
  commandLine: string;
  options: RunOption[];
  attempts: Attempt[];
  steps: StepSummary[];
  abandoned: { by: string; reason: string; ts: string } | undefined;
  artifacts: ArtifactEntry[];
  runDir: string | undefined;
  damagedLines: number;
}

export interface ReportInput {
  runId: string;
  events: readonly EngineEvent[];
  artifacts?: readonly RunArtifact[];
  damagedLines?: number;
  /** The runbook's options and arguments from the catalogue, to name params as the operator typed them. */
  options?: readonly OptionSpec[];
  arguments?: readonly ArgumentSpec[];
}

export function buildReportModel(input: ReportInput): ReportModel {
  const events = input.events;
  const first = events.find((e): e is Ev<'run.start'> => e.type === 'run.start');
  const attempts = splitAttempts(events);
  const lastEnd = [...events].reverse().find((e): e is Ev<'run.end'> => e.type === 'run.end');
  const abandonedEvent = events.find((e): e is Ev<'run.abandoned'> => e.type === 'run.abandoned');
  const finalAttempt = attempts.at(-1);
  const outcome = abandonedEvent ? 'abandoned' : (finalAttempt?.outcome ?? 'unknown');
  const options = runOptions(first?.params, input.options ?? [], input.arguments ?? []);
  const scope = describeEventScope(first?.scope ?? null);
  return {
    runId: input.runId,
    runbook: first?.runbook ?? 'unknown',
    version: first?.version ?? '',
    cloud: first?.cloud ?? 'unknown',
    operator: first ? `${first.operator}@${first.host}` : 'unknown',
    mode: first?.mode ?? 'unknown',
    scope,
    outcome,
    summary: abandonedEvent ? `abandoned: ${abandonedEvent.reason}` : (finalAttempt?.summary ?? ''),
    durationMs: attempts.reduce((sum, a) => sum + (a.end - a.start), 0),
    startedAt: events[0]?.ts ?? '',
    endedAt: events.at(-1)?.ts ?? '',
    commandLine: commandLine(first, options),
    options,
    attempts,
    steps: summarizeSteps(attempts, events),
    abandoned: abandonedEvent ? { by: `${abandonedEvent.operator}@${abandonedEvent.host} (${abandonedEvent.by})`, reason: abandonedEvent.reason, ts: abandonedEvent.ts } : undefined,
    artifacts: (input.artifacts ?? []).map((a) => ({ ...a, kind: artifactKind(a.name) })),
    runDir: lastEnd?.runDir ?? undefined,
    damagedLines: input.damagedLines ?? 0,
  };
}

const time = (ts: string): number => Date.parse(ts);

/** Each run.start opens an attempt; a resumed run's transcript holds them all, in order. */
function splitAttempts(events: readonly EngineEvent[]): Attempt[] {
  const segments: EngineEvent[][] = [];
  for (const e of events) {
    if (e.type === 'run.start' || segments.length === 0) segments.push([]);
    segments.at(-1)!.push(e);
  }
  const failedBefore = new Set<string>();
  const sentBefore = new Set<string>();
  return segments
    .filter((s) => s.some((e) => e.type === 'run.start'))
    .map((segment) => foldAttempt(segment, failedBefore, sentBefore));
}

function foldAttempt(segment: readonly EngineEvent[], failedBefore: Set<string>, sentBefore: Set<string>): Attempt {
  const start = segment[0] as Ev<'run.start'>;
  const who = `${start.operator}@${start.host}`;
  const end = segment.find((e): e is Ev<'run.end'> => e.type === 'run.end');
  const lastTs = time(segment.at(-1)!.ts);
  const steps = new Map<string, StepRun>();
  const open = new Map<string, { start: number; failures: number[]; retried: boolean }>();
  const planned = new Map<string, { step: string; key: string; ts: number }>();
  const stepOf = (name: string, ts: number): StepRun => {
    let s = steps.get(name);
    if (!s) {
      // An event of a step whose step.start is not in this attempt (should not happen): still shown.
      s = { step: name, title: name, index: steps.size, optional: false, warnings: [], start: ts, end: ts, outcome: 'unfinished', detail: '', items: [], guards: [], confirms: [], notes: [] };
      steps.set(name, s);
    }
    return s;
  };
  const id = (step: string, key: string) => `${step}\u0000${key}`;
  for (const e of segment) {
    const ts = time(e.ts);
    switch (e.type) {
      case 'step.start':
        steps.set(e.step, { step: e.step, title: e.title, index: e.index, optional: e.optional, warnings: e.warnings, start: ts, end: ts, outcome: 'unfinished', detail: '', items: [], guards: [], confirms: [], notes: [] });
        break;
      case 'step.not-applicable':
        // Said once, never planned: the post-mortem still shows why the step did nothing.
        steps.set(e.step, { step: e.step, title: e.title, index: e.index, optional: false, warnings: [], start: ts, end: ts, outcome: 'not applicable', detail: notApplicable(e.condition), items: [], guards: [], confirms: [], notes: [] });
        break;
      case 'step.end': {
        const s = stepOf(e.step, ts);
        s.end = ts;
        s.outcome = e.outcome;
        s.detail = e.detail;
        break;
      }
      case 'guard':
        stepOf(e.step, ts).guards.push({ attempt: start.attempt, name: e.name, ok: e.ok, detail: e.detail, heldBack: e.heldBack });
        break;
      case 'confirm':
        stepOf(e.step, ts).confirms.push({ ts, question: e.question, answer: e.answer, how: e.how, who });
        break;
      case 'note':
        if (e.step !== null) stepOf(e.step, ts).notes.push({ level: e.level, message: e.message });
        break;
      case 'op.planned':
        if (e.item !== null && !planned.has(id(e.step, e.item))) planned.set(id(e.step, e.item), { step: e.step, key: e.item, ts });
        break;
      case 'op.start': {
        if (e.item === null) break;
        const itemId = id(e.step, e.item);
        const sent = `${itemId}\u0000${e.command}`;
        const entry = open.get(itemId) ?? { start: ts, failures: [], retried: false };
        if (sentBefore.has(sent)) entry.retried = true;
        sentBefore.add(sent);
        open.set(itemId, entry);
        break;
      }
      case 'op.end':
        if (e.item !== null && !e.ok) open.get(id(e.step, e.item))?.failures.push(ts);
        break;
      case 'item': {
        const itemId = id(e.step, e.key);
        const opened = open.get(itemId);
        open.delete(itemId);
        planned.delete(itemId);
        stepOf(e.step, ts).items.push({
          step: e.step,
          key: e.key,
          status: e.status,
          detail: e.detail,
          start: opened?.start ?? ts,
          end: ts,
          measured: opened !== undefined,
          // Taken up again by this attempt: resolved by reading state alone is not a retry.
          retried: opened !== undefined && (opened.retried || failedBefore.has(itemId)),
          opFailures: opened?.failures ?? [],
        });
        if (e.status === 'failed') failedBefore.add(itemId);
        break;
      }
      default:
        break;
    }
  }
  // Started and never acknowledged: the attempt ended (or was killed) with them in flight.
  for (const [itemId, opened] of open) {
    const [step, key] = itemId.split('\u0000');
    stepOf(step, opened.start).items.push({ step, key, status: 'unfinished', detail: 'started, never acknowledged in this attempt', start: opened.start, end: lastTs, measured: false, retried: opened.retried || failedBefore.has(itemId), opFailures: opened.failures });
  }
  // A dry-run plans items and runs none: they are shown where they were planned.
  for (const p of planned.values()) {
    stepOf(p.step, p.ts).items.push({ step: p.step, key: p.key, status: 'planned', detail: 'planned, not run (dry-run)', start: p.ts, end: p.ts, measured: false, retried: false, opFailures: [] });
  }
  for (const s of steps.values()) {
    if (s.outcome === 'unfinished') s.end = Math.max(s.end, ...s.items.map((i) => i.end), lastTs);
    s.items.sort((a, b) => a.start - b.start || a.end - b.end);
  }
  return {
    attempt: start.attempt,
    resumed: start.resumed,
    start: time(start.ts),
    end: end ? time(end.ts) : lastTs,
    outcome: end?.outcome ?? 'interrupted',
    summary: end?.summary ?? 'the attempt ended without a result (killed or interrupted); `novaops resume` continues it',
    steps: [...steps.values()].sort((a, b) => a.index - b.index),
    apiRequests: end?.apiRequests ?? {},
  };
}

const NO_COUNTS = (): Record<BarStatus, number> => ({ done: 0, failed: 0, held: 0, skipped: 0, planned: 0, unfinished: 0 });

function summarizeSteps(attempts: readonly Attempt[], events: readonly EngineEvent[]): StepSummary[] {
  const byStep = new Map<string, StepSummary & { measured: number[] }>();
  for (const attempt of attempts) {
    for (const s of attempt.steps) {
      const sum =
        byStep.get(s.step) ??
        byStep.set(s.step, { step: s.step, title: s.title, index: s.index, counts: NO_COUNTS(), durations: undefined, guards: [], confirms: [], notes: [], commands: [], measured: [] }).get(s.step)!;
      for (const item of s.items) {
        sum.counts[item.status] += 1;
        if (item.measured && item.status === 'done') sum.measured.push(item.end - item.start);
      }
      sum.guards.push(...s.guards);
      sum.confirms.push(...s.confirms.map((c) => ({ ...c, attempt: attempt.attempt })));
      sum.notes.push(...s.notes.map((n) => ({ ...n, attempt: attempt.attempt })));
    }
  }
  const commands = new Map<string, Map<string, OperatorCommand>>();
  const addCommand = (into: Map<string, Map<string, OperatorCommand>>, step: string, command: string, summary: string, mutating: boolean) => {
    const forStep = into.get(step) ?? into.set(step, new Map()).get(step)!;
    const known = forStep.get(command);
    if (known) known.count += 1;
    else forStep.set(command, { command, summary, mutating, count: 1 });
  };
  // What ran is counted from op.start; what was only planned (a dry-run's changes) from op.planned.
  const planned = new Map<string, Map<string, OperatorCommand>>();
  for (const e of events) {
    if (e.type === 'op.start') addCommand(commands, e.step, e.command, e.summary, e.mutating);
    else if (e.type === 'op.planned') addCommand(planned, e.step, e.op.command, e.op.summary, e.op.mutating);
  }
  for (const [step, forStep] of planned) {
    for (const c of forStep.values()) if (!commands.get(step)?.has(c.command)) addCommand(commands, step, c.command, c.summary, c.mutating);
  }
  return [...byStep.values()]
    .sort((a, b) => a.index - b.index)
    .map(({ measured, ...sum }) => ({
      ...sum,
      durations: durationStats(measured),
      // What changed the cloud first: those are the lines a post-mortem replays by hand.
      commands: [...(commands.get(sum.step)?.values() ?? [])].sort((a, b) => Number(b.mutating) - Number(a.mutating)),
    }));
}

function describeEventScope(scope: Ev<'run.start'>['scope']): string {
  if (!scope) return 'whole cloud';
  const what = [scope.name, scope.instance ?? scope.host ?? scope.volume ?? scope.ref].filter(Boolean).join(' ');
  return `test mode: ${scope.kind} ${what}`;
}

function artifactKind(name: string): ArtifactEntry['kind'] {
  if (/^rollback-.*\.sql$/.test(name)) return 'rollback script';
  if (/^rows-.*\.json$/.test(name)) return 'row backup';
  if (/^volume-map\./.test(name)) return 'volume map';
  if (/\.(orig|bak)(\.|$)/.test(name)) return 'file backup';
  return 'artifact';
}
