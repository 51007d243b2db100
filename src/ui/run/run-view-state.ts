// Folds engine events into the run screen's picture. Each event costs O(1), so a 1,000-instance
// run never falls behind; snapshots copy only what the live area shows.
import { notApplicable, type EngineEvent } from '../../engine/events.js';
import type { RunMode } from '../../engine/runbook.js';
import { CommandLog } from './command-log.js';
import { OUTPUT_LINES, type LogChunk, type LogLine, type RunEnd, type RunInfo, type RunningOperation, type RunView, type StepView } from './run-view.js';

/**
 * Log lines drawn per frame at most. ink lays out and diffs every character it writes, so a burst
 * of thousands of finished items in one frame would hold the event loop (and the engine's I/O)
 * for seconds; spread over frames, each stays short and the rest follow within a second or two.
 */
const LOG_LINES_PER_FRAME = 250;
/** Planned operations listed one by one in a live run's log; the transcript has them all. */
const PLANNED_SHOWN_LIVE = 20;
const WARNINGS_KEPT = 5;

export interface StepOutline {
  id: string;
  title: string;
}

function newStep(id: string, title: string, index: number): StepView {
  return {
    id,
    title,
    index,
    optional: false,
    warnings: [],
    status: 'pending',
    guards: [],
    plannedItems: 0,
    plannedOps: 0,
    mutating: false,
    counts: { done: 0, failed: 0, held: 0, skipped: 0 },
    startedItems: 0,
    startedAt: null,
    executingSince: null,
    endedAt: null,
    detail: '',
  };
}

function describeScope(scope: Extract<EngineEvent, { type: 'run.start' }>['scope']): string {
  if (!scope) return 'whole cloud';
  const id = scope.instance ?? scope.host ?? scope.volume ?? scope.ref;
  return `${scope.kind} ${scope.name && scope.name !== id ? `${scope.name} (${id})` : id}`;
}

export class RunViewState {
  private info: RunInfo | null = null;
  private readonly steps = new Map<string, StepView>();
  private readonly plannedKeys = new Map<string, Set<string>>();
  private readonly startedKeys = new Map<string, Set<string>>();
  private readonly chunks: LogChunk[] = [];
  private fresh: LogLine[] = [];
  private lines = 0;
  private readonly running = new Map<string, RunningOperation>();
  private warnings: string[] = [];
  private end: RunEnd | null = null;
  private current: string | null = null;
  private events = 0;
  private lastTs = 0;
  /** Every command as it runs (bounded); the snapshot shares it and says when it changed. */
  private readonly commands = new CommandLog();
  private commandsVersion = 0;

  constructor(
    private readonly readOnly: boolean,
    private readonly outline: readonly StepOutline[] = [],
    /** Secrets of the config never reach the screen (the plain presenter redacts the same way). */
    private readonly redact: (text: string) => string = (t) => t,
    private readonly askedMode: RunMode | undefined = undefined,
  ) {
    this.resetSteps();
  }

  private resetSteps(): void {
    this.steps.clear();
    this.plannedKeys.clear();
    this.startedKeys.clear();
    this.outline.forEach((s, i) => this.steps.set(s.id, newStep(s.id, s.title, i)));
  }

  private push(line: Omit<LogLine, 'n'>): void {
    this.fresh.push({ n: this.lines++, ...line, text: this.redact(line.text) });
  }

  private step(id: string): StepView {
    let step = this.steps.get(id);
    if (!step) {
      step = newStep(id, id, this.steps.size);
      this.steps.set(id, step);
    }
    return step;
  }

  apply(event: EngineEvent): void {
    this.events += 1;
    const ts = Date.parse(event.ts);
    if (Number.isFinite(ts)) this.lastTs = ts;
    if (this.commands.apply(event, this.redact)) this.commandsVersion += 1;
    switch (event.type) {
      case 'run.start':
        // A resumed attempt walks the steps again from the first; the log above keeps the earlier one.
        this.info = {
          runId: event.runId,
          runbook: event.runbook,
          version: event.version,
          cloud: event.cloud,
          operator: event.operator,
          host: event.host,
          mode: event.mode,
          scope: describeScope(event.scope),
          resumed: event.resumed,
          attempt: event.attempt,
        };
        this.resetSteps();
        this.running.clear();
        this.end = null;
        this.current = null;
        return;
      case 'run.abandoned':
        this.push({ kind: 'note', level: 'warn', step: null, text: `abandoned by ${event.operator}@${event.host} (${event.by}): ${event.reason}` });
        return;
      case 'step.start': {
        const step = this.step(event.step);
        Object.assign(step, { title: event.title, index: event.index, optional: event.optional, warnings: event.warnings, status: 'guards', startedAt: ts });
        this.current = event.step;
        for (const w of event.warnings) this.push({ kind: 'note', level: 'warn', step: event.step, text: `Step ${event.index}: ${w}` });
        return;
      }
      case 'step.not-applicable': {
        const step = this.step(event.step);
        Object.assign(step, { title: event.title, index: event.index, status: 'not applicable', detail: `only with ${event.condition}` });
        this.push({ kind: 'step', level: 'info', step: event.step, text: `Step ${event.index} ${event.title}: ${notApplicable(event.condition)}` });
        return;
      }
      case 'guard': {
        const step = this.step(event.step);
        step.guards = [...step.guards, { name: event.name, ok: event.ok, detail: event.detail, heldBack: event.heldBack }];
        // A dry-run plans on past a failed guard: the step is marked, not stopped.
        if (!event.ok && this.info?.mode !== 'dry-run') step.status = 'blocked';
        else if (event.heldBack.length > 0) step.status = 'held back';
        const held = event.heldBack.length ? ` — held back: ${event.heldBack.map((h) => h.key).join(', ')}` : '';
        const failed = this.info?.mode === 'dry-run' ? 'FAILED (a live run stops here; planned on as if it passed)' : 'FAILED';
        this.push({ kind: 'guard', level: event.ok ? 'ok' : 'error', step: event.step, text: `guard "${event.name}": ${event.ok ? 'ok' : failed} — ${event.detail}${held}` });
        return;
      }
      case 'op.planned': {
        const step = this.steps.get(event.step);
        if (!step) return;
        step.plannedOps += 1;
        if (event.op.mutating) step.mutating = true;
        if (event.item !== null) {
          let keys = this.plannedKeys.get(event.step);
          if (!keys) this.plannedKeys.set(event.step, (keys = new Set()));
          keys.add(event.item);
          step.plannedItems = keys.size;
        }
        const dryRun = this.info?.mode === 'dry-run';
        if (dryRun || step.plannedOps <= PLANNED_SHOWN_LIVE) {
          this.push({ kind: 'plan', level: 'info', step: event.step, text: `plan: ${event.op.kind === 'shell' ? `[${event.op.host}] ` : ''}${event.op.command}` });
        } else if (step.plannedOps === PLANNED_SHOWN_LIVE + 1) {
          this.push({ kind: 'plan', level: 'info', step: event.step, text: 'plan: ... (every planned operation is in the transcript)' });
        }
        return;
      }
      case 'op.start': {
        // Operations outside any step (the rehearsal's scope lookup before step 0) show in flight only.
        const step = this.steps.get(event.step);
        if (step) step.status = 'running';
        if (step && event.item !== null) {
          // Rate and ETA count from the first item's operation, not from the step's planning reads.
          step.executingSince ??= ts;
          let keys = this.startedKeys.get(event.step);
          if (!keys) this.startedKeys.set(event.step, (keys = new Set()));
          keys.add(event.item);
          step.startedItems = keys.size;
        }
        this.running.set(event.opId, { opId: event.opId, step: event.step, item: event.item, summary: this.redact(event.summary), command: this.redact(event.command), mutating: event.mutating, startedAt: ts, output: [] });
        return;
      }
      case 'op.output': {
        const op = this.running.get(event.opId);
        if (!op) return;
        const lines = this.redact(event.chunk).split('\n').filter((l) => l.trim() !== '');
        op.output = [...op.output, ...lines.map((l) => (event.stream === 'stderr' ? `! ${l}` : l))].slice(-OUTPUT_LINES);
        return;
      }
      case 'op.end':
        this.running.delete(event.opId);
        if (!event.ok) {
          const how = [event.status !== undefined ? `HTTP ${event.status}` : '', event.exitCode !== undefined ? `exit ${event.exitCode}` : ''].filter(Boolean).join(' ');
          this.push({ kind: 'op', level: 'error', step: event.step, text: `FAIL ${event.opId}${how ? ` ${how}` : ''}${event.error ? ` — ${event.error}` : ''}` });
        }
        return;
      case 'item': {
        const step = this.step(event.step);
        step.counts = { ...step.counts, [event.status]: step.counts[event.status] + 1 };
        const level = event.status === 'failed' ? 'error' : event.status === 'held' ? 'warn' : event.status === 'done' ? 'ok' : 'info';
        this.push({ kind: 'item', level, step: event.step, key: event.key, status: event.status, text: `${event.status.toUpperCase().padEnd(7)}${event.key}: ${event.detail}` });
        return;
      }
      case 'retry':
        this.push({ kind: 'note', level: 'warn', step: event.step, text: `retry ${event.opId} attempt ${event.attempt}/${event.maxAttempts} in ${event.waitMs} ms — ${event.failure}` });
        return;
      case 'answer-lost':
        this.push({ kind: 'note', level: 'warn', step: event.step, text: `answer lost ${event.opId} "${event.summary}": ${event.error}; resolving by reading` });
        return;
      case 'resolved':
        this.push({ kind: 'note', level: event.verdict === 'unknown' ? 'error' : 'info', step: event.step, text: `answer lost; ${event.detail}` });
        return;
      case 'confirm':
        this.push({ kind: 'confirm', level: event.answer ? 'ok' : 'warn', step: event.step, text: `confirm: ${event.answer ? 'yes' : 'no'} (${event.how}) — ${event.question}` });
        return;
      case 'note':
        if (event.level === 'warn') this.warnings = [...this.warnings, this.redact(event.message)].slice(-WARNINGS_KEPT);
        this.push({ kind: 'note', level: event.level, step: event.step, text: event.message });
        return;
      case 'step.end': {
        const step = this.step(event.step);
        Object.assign(step, { status: event.outcome, detail: this.redact(event.detail), endedAt: ts });
        for (const [id, op] of this.running) if (op.step === event.step) this.running.delete(id);
        const level = event.outcome === 'failed' || event.outcome === 'blocked' ? 'error' : 'ok';
        this.push({ kind: 'step', level, step: event.step, text: `Step ${step.index} ${step.title}: ${event.outcome} — ${event.detail}` });
        return;
      }
      case 'run.end':
        this.end = {
          outcome: event.outcome,
          summary: this.redact(event.summary),
          durationMs: event.durationMs,
          counts: event.counts,
          runDir: event.runDir,
          heldBack: (event.heldBack ?? []).map((h) => ({ ...h, reason: this.redact(h.reason) })),
          wouldBlock: (event.wouldBlock ?? []).map((w) => ({ ...w, detail: this.redact(w.detail) })),
        };
        this.running.clear();
        // A run that went through to its end passed over the steps it never started (optional ones
        // not enabled); after a stop they stay pending: a resume would still run them.
        if (event.outcome === 'completed' || event.outcome === 'completed-held-back' || event.outcome === 'planned') {
          for (const step of this.steps.values()) if (step.status === 'pending') step.status = 'skipped';
        }
        return;
    }
  }

  redactText(text: string): string {
    return this.redact(text);
  }

  /** The step the engine is in (the one a confirmation is about). */
  currentStep(): string | null {
    return this.current;
  }

  /**
   * The word a destructive confirmation needs typed. Destructive: the step planned operations that
   * change the cloud (op.planned with mutating), which every confirmed step of today's runbooks
   * does; a confirmed step without any stays a plain yes/no. The word is the number of items the
   * step is about to change (planned, less those an earlier attempt finished), so the operator
   * reads the scale before answering; with no item count, the runbook's id.
   */
  typedWord(): { word: string; meaning: string } | null {
    const step = this.current ? this.steps.get(this.current) : undefined;
    if (!step || !step.mutating) return null;
    const count = step.plannedItems - step.counts.done - step.counts.skipped;
    if (count > 0) return { word: String(count), meaning: `the number of items it changes` };
    return this.info ? { word: this.info.runbook, meaning: 'the runbook id' } : null;
  }

  /** Hundreds of finished items between two frames become one <Static> item: ink lays out one text, not hundreds. */
  private takeChunks(): LogChunk[] {
    if (this.fresh.length > 0) {
      this.chunks.push({ n: this.chunks.length, lines: this.fresh.splice(0, LOG_LINES_PER_FRAME) });
    }
    return this.chunks.slice();
  }

  /** Log lines applied but not drawn yet (more than one frame's worth arrived at once). */
  get undrawnLines(): number {
    return this.fresh.length;
  }

  snapshot(askingStop: boolean, stopping: boolean): RunView {
    return {
      info: this.info,
      mode: this.info?.mode ?? this.askedMode ?? null,
      readOnly: this.readOnly,
      steps: [...this.steps.values()].map((s) => ({ ...s })),
      log: this.takeChunks(),
      running: [...this.running.values()].map((o) => ({ ...o })),
      warnings: this.warnings,
      confirmation: null,
      askingStop,
      stopping,
      end: this.end,
      events: this.events,
      at: this.lastTs,
      commands: this.commands,
      commandsVersion: this.commandsVersion,
    };
  }
}
