// Waiting for the cloud: poll with exponential back-off until every key is settled or the
// deadline passes. Never a fixed sleep: a fast cloud is not slowed down, a slow one not rushed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ItemOutcome } from '../../src/engine/runbook.js';

export interface PollOptions {
  initialMs: number;
  maxMs: number;
  timeoutMs: number;
}

export const DEFAULT_POLL: PollOptions = { initialMs: 250, maxMs: 5_000, timeoutMs: 600_000 };

/**
 * Calls `check` with the keys still pending; it returns the ones that are now settled, with
 * their result. Returns every settled result and the keys still pending at the deadline.
 */
export async function pollUntilSettled<R>(
  keys: readonly string[],
  check: (pending: string[]) => Promise<Map<string, R>>,
  options: PollOptions,
): Promise<{ settled: Map<string, R>; pending: string[] }> {
  const settled = new Map<string, R>();
  let pending = [...keys];
  let delay = options.initialMs;
  const deadline = Date.now() + options.timeoutMs;
  while (pending.length > 0) {
    const now = await check(pending);
    for (const [key, value] of now) settled.set(key, value);
    pending = pending.filter((k) => !settled.has(k));
    if (pending.length === 0 || Date.now() + delay > deadline) break;
    await sleep(delay);
    delay = Math.min(options.maxMs, Math.round(delay * 1.6));
  }
  return { settled, pending };
}

/**
 * A settle's answer by item key, from what `pollUntilSettled` returned by id: each settled id as
 * `settledOutcome` reads it, each id still pending at the deadline as `pendingOutcome` says (a
 * resume waits for those again; nothing is ever sent twice).
 */
export function outcomesByKey<R>(
  polled: { settled: Map<string, R>; pending: readonly string[] },
  keyOf: (id: string) => string,
  settledOutcome: (result: R, id: string) => ItemOutcome,
  pendingOutcome: (id: string) => ItemOutcome,
): Map<string, ItemOutcome> {
  const outcomes = new Map<string, ItemOutcome>();
  for (const [id, result] of polled.settled) outcomes.set(keyOf(id), settledOutcome(result, id));
  for (const id of polled.pending) outcomes.set(keyOf(id), pendingOutcome(id));
  return outcomes;
}
