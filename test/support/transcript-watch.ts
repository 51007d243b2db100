// Waits, by polling the run directory, for an event to appear in a running CLI's transcript.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent } from '../../src/engine/events.js';

export async function readEvents(path: string): Promise<EngineEvent[]> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as EngineEvent];
      } catch {
        return [];
      }
    });
}

export async function runIds(stateDir: string): Promise<string[]> {
  try {
    // A dot-name is a run directory still being built (renamed into place once whole): not a run yet.
    return (await readdir(join(stateDir, 'runs'))).filter((name) => !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}

export function transcriptOf(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId, 'transcript.jsonl');
}

/** Polls until `predicate` holds for the events of the newest run not in `before`. */
export async function waitForEvents(
  stateDir: string,
  predicate: (events: EngineEvent[]) => boolean,
  opts: { runId?: string; timeoutMs?: number } = {},
): Promise<{ runId: string; events: EngineEvent[] }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const runId = opts.runId ?? (await runIds(stateDir)).pop();
    if (runId) {
      const events = await readEvents(transcriptOf(stateDir, runId));
      if (predicate(events)) return { runId, events };
    }
    await sleep(10);
  }
  throw new Error('timed out waiting for transcript events');
}
