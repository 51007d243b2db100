// The run screen's side of a run: what it hands the engine (onBus, prompter, stop), the store
// the screen renders, and the operator's answers. A recorded transcript is fed the same way.
import type { EngineEvent, EventBus } from '../../engine/events.js';
import type { Prompter } from '../../engine/prompter.js';
import type { RunMode } from '../../engine/runbook.js';
import type { CommandLogReader } from './command-log.js';
import { RunViewState, type StepOutline } from './run-view-state.js';
import type { GuardView, LogChunk, LogLine, PendingConfirmation, RunEnd, RunInfo, RunningOperation, RunView, StepCounts, StepStatus, StepView } from './run-view.js';

export type { StepOutline };
export type { GuardView, LogChunk, LogLine, PendingConfirmation, RunEnd, RunInfo, RunningOperation, RunView, StepCounts, StepStatus, StepView };


/** What a presenter hands the engine for one run (RunDeps' presenter half): the run screen's, the session's, the CLI's plain lines. Declared here only. */
export interface UiRunDeps {
  onBus(bus: EventBus): void;
  prompter: Prompter;
  stop: AbortSignal;
}

export interface UiRun {
  /** Pass into RunDeps (startRun/resumeRun). */
  readonly deps: UiRunDeps;
  /** Applies one event (live, or replayed from a transcript). */
  feed(event: EngineEvent): void;
  /** The latest snapshot. */
  view(): RunView;
  /** Called after each batch of events becomes a new snapshot. */
  subscribe(listener: () => void): () => void;
  /** Makes a snapshot of the pending events now (tests, run.end, questions). */
  flush(): void;
  /** Snapshots until every log line is drawn (the final frame, before unmounting). */
  drain(): void;
  /** Events applied and log lines not yet in a snapshot, now. */
  readonly backlog: number;
  /** Answers the pending confirmation (the screen checks the typed word first); with its id, only that one. */
  answer(yes: boolean, how?: string, id?: number): void;
  /** Ctrl-C: the first asks, a second while stopping quits (the onQuit listeners). */
  interrupt(): void;
  /** The answer to "stop after the operations in flight?". */
  answerStop(yes: boolean): void;
  /** Called on the second Ctrl-C: the caller leaves at once (exit 130, like the plain CLI). */
  onQuit(listener: () => void): () => void;
  /** Events applied but not yet in a snapshot, at most, since creation. */
  readonly maxBacklog: number;
  /** Snapshots made since creation. */
  readonly snapshots: number;
  /** Stops the batching timer (after unmount). */
  dispose(): void;
}

export interface UiRunOptions {
  readOnly?: boolean;
  /** The mode asked for, known before the engine's run.start: a dry-run's very first frame says so. */
  mode?: RunMode;
  /** ms between snapshots while events stream (default 80). */
  batchMs?: number;
  /** The runbook's steps, so those not reached yet show as pending (events name a step only when it starts). */
  steps?: readonly StepOutline[];
  /** Applied to every text shown (the session's Redactor.redact); transcripts are redacted already. */
  redact?: (text: string) => string;
}

export function createUiRun(options: UiRunOptions = {}): UiRun {
  const batchMs = options.batchMs ?? 80;
  const state = new RunViewState(!!options.readOnly, options.steps, options.redact, options.mode);
  const controller = new AbortController();
  const listeners = new Set<() => void>();
  const quitListeners = new Set<() => void>();
  let snapshot: RunView = state.snapshot(false, false);
  let askingStop = false;
  let pending = 0;
  let maxBacklog = 0;
  let snapshots = 0;
  let timer: NodeJS.Timeout | undefined;
  let confirmation: { view: PendingConfirmation; resolve: (a: { answer: boolean; how: string }) => void } | null = null;
  let confirmations = 0;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    maxBacklog = Math.max(maxBacklog, pending + state.undrawnLines);
    pending = 0;
    snapshots += 1;
    snapshot = { ...state.snapshot(askingStop, controller.signal.aborted), confirmation: confirmation?.view ?? null };
    for (const listener of listeners) listener();
    if (state.undrawnLines > 0) schedule();
  };
  const schedule = () => {
    if (!timer) timer = setTimeout(flush, batchMs);
  };

  const feed = (event: EngineEvent) => {
    state.apply(event);
    pending += 1;
    // The end and the questions are shown at once; the rest waits for the next batch.
    if (event.type === 'run.end') flush();
    else schedule();
  };

  const prompter: Prompter = {
    confirm(question, details) {
      const word = state.typedWord();
      confirmations += 1;
      return new Promise((resolve) => {
        confirmation = {
          view: { id: confirmations, step: state.currentStep(), question: state.redactText(question), details: details.map((d) => state.redactText(d)), typedWord: word?.word ?? null, typedWordMeaning: word?.meaning ?? null },
          resolve,
        };
        flush();
      });
    },
  };

  const uiRun: UiRun = {
    deps: { onBus: (bus) => bus.subscribe(feed), prompter, stop: controller.signal },
    feed,
    view: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush,
    drain() {
      do flush();
      while (state.undrawnLines > 0);
    },
    get backlog() {
      return pending + state.undrawnLines;
    },
    answer(yes, how = 'operator', id) {
      const c = confirmation;
      // A key handler of an earlier frame may still fire: it answers its own question or nothing.
      if (!c || (id !== undefined && id !== c.view.id)) return;
      confirmation = null;
      flush();
      c.resolve({ answer: yes, how });
    },
    interrupt() {
      if (controller.signal.aborted) {
        for (const listener of quitListeners) listener();
        return;
      }
      // At a confirmation, Ctrl-C is a no (as in the plain CLI): the step is not started.
      if (confirmation) {
        uiRun.answer(false, 'operator (Ctrl-C)');
        return;
      }
      // Ctrl-C again while the question is up means stop: the safer of the two things it could mean.
      if (askingStop) {
        uiRun.answerStop(true);
        return;
      }
      askingStop = true;
      flush();
    },
    answerStop(yes) {
      // Only while asked: a late key of a closed question must not stop the run.
      if (!askingStop) return;
      askingStop = false;
      if (yes) controller.abort();
      flush();
    },
    onQuit(listener) {
      quitListeners.add(listener);
      return () => quitListeners.delete(listener);
    },
    get maxBacklog() {
      return Math.max(maxBacklog, pending + state.undrawnLines);
    },
    get snapshots() {
      return snapshots;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
  return uiRun;
}
