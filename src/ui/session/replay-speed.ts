import type { EngineEvent } from '../../engine/events.js';
import type { RunResult } from '../../engine/runner.js';

export type ReplaySpeed = 1 | 10 | 'instant';

export function parseReplaySpeed(text: string): ReplaySpeed | undefined {
  if (text === '1' || text === '1x') return 1;
  if (text === '10' || text === '10x') return 10;
  if (text === 'instant' || text === 'i') return 'instant';
  return undefined;
}

/**
 * A pause longer than this (a run interrupted at night and resumed in the morning) is replayed as
 * this long: the replay shows how the run went, not the hours nobody watched.
 */
export const LONGEST_PAUSE_MS = 5_000;

/** The wait before each event: the recorded spacing divided by the speed. */
export function replayDelays(events: readonly EngineEvent[], speed: ReplaySpeed): number[] {
  return events.map((event, i) => {
    if (speed === 'instant' || i === 0) return 0;
    const gap = Date.parse(event.ts) - Date.parse(events[i - 1].ts);
    return Number.isFinite(gap) && gap > 0 ? Math.min(gap, LONGEST_PAUSE_MS) / speed : 0;
  });
}

const EXIT_CODES: Record<string, number> = { completed: 0, planned: 0, failed: 1, blocked: 3, refused: 3, aborted: 4 };

/** What the run screen shows at the end of a replay, from the recorded run.end. */
export function resultOfRecording(runId: string, end: Extract<EngineEvent, { type: 'run.end' }>): RunResult {
  return {
    runId,
    runDir: end.runDir,
    outcome: end.outcome,
    exitCode: EXIT_CODES[end.outcome] ?? 1,
    transcript: end.runDir ? `${end.runDir}/transcript.jsonl` : null,
    summary: end.summary,
  };
}
