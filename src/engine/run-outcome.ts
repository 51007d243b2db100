// How a run that went through its steps, or stopped at a guard, ends: the outcome, the exit code
// and the summary a script and a tired operator read. "completed" must mean that all of it is
// done: a run that held items back ends completed-held-back (exit 5), naming each item and why.
import { ExitCode } from './errors.js';
import { wouldBlockText, type EventBus, type HeldBackItem, type RunOutcome, type WouldBlock } from './events.js';
import type { RunMode } from './runbook.js';
import type { RunState } from './run-state.js';

/** Every item left undone on purpose in this attempt, whoever held it back (a guard, a recheck). */
export function trackHeldBack(bus: EventBus): { items(): HeldBackItem[] } {
  const held = new Map<string, HeldBackItem>();
  bus.subscribe((event) => {
    if (event.type !== 'item') return;
    const id = JSON.stringify([event.step, event.key]);
    if (event.status === 'held') held.set(id, { step: event.step, key: event.key, reason: event.detail });
    else if (event.status === 'done' || event.status === 'skipped') held.delete(id);
  });
  return { items: () => [...held.values()] };
}

interface Ending {
  outcome: RunOutcome;
  exitCode: number;
  summary: string;
}

/** A run whose every step went through (or was planned). */
export function throughOutcome(mode: RunMode, held: HeldBackItem[], wouldBlock: (WouldBlock & { at: string })[], counts: { done: number; held: number; skipped: number }): Ending {
  if (mode === 'dry-run') {
    let summary = 'dry-run: the plan above was built from live reads; nothing was changed';
    if (held.length > 0) summary += `; ${held.length} item(s) would be held back`;
    if (wouldBlock.length === 0) return { outcome: 'planned', exitCode: ExitCode.ok, summary };
    // The plan is whole, but the exit code must not let a script take it for a go-ahead.
    summary += `. A live run would be refused: ${wouldBlock.map((w) => `${w.at} ${wouldBlockText(w)}`).join('; ')}`;
    return { outcome: 'planned', exitCode: ExitCode.refused, summary };
  }
  if (held.length > 0) return { outcome: 'completed-held-back', exitCode: ExitCode.heldBack, summary: heldBackSummary(held, counts) };
  return { outcome: 'completed', exitCode: ExitCode.ok, summary: `completed: ${counts.done} item(s) done, ${counts.held} held back, ${counts.skipped} already done earlier` };
}

/**
 * A live step stopped by a guard. Like a refusal at admission, a run that has changed nothing is
 * refused and over (run it again once the guard's condition holds); one that has is blocked, and resumes.
 */
export function blockedOutcome(state: Pick<RunState, 'attempts' | 'mutatingSince'>, step: string, detail: string): { outcome: RunOutcome; summary: string } {
  const untouched = state.attempts === 1 && !state.mutatingSince;
  return untouched
    ? { outcome: 'refused', summary: `refused at step ${step}: ${detail} — nothing was changed; run again once that is put right` }
    : { outcome: 'blocked', summary: `blocked at step ${step}: ${detail}` };
}

const HELD_NAMED = 10;

/** 'completed, 3 held back: key (why); ...' and that the run is over. */
function heldBackSummary(held: HeldBackItem[], counts: { done: number; skipped: number }): string {
  const named = held.slice(0, HELD_NAMED).map((h) => `${h.key} (${h.reason})`);
  const more = held.length > HELD_NAMED ? `; and ${held.length - HELD_NAMED} more (run.end heldBack in the transcript)` : '';
  return (
    `completed, ${held.length} held back: ${named.join('; ')}${more} — ${counts.done} item(s) done, ${counts.skipped} already done earlier. ` +
    'The run is finished, not resumable: deal with each held item as its reason says, then run again'
  );
}
