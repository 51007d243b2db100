// How long one item of a step took: median, p90 and max of the measured items (nearest rank, so
// every figure is a duration that really happened, never an interpolation between two).
export interface DurationStats {
  count: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

export function durationStats(durations: readonly number[]): DurationStats | undefined {
  if (durations.length === 0) return undefined;
  const sorted = [...durations].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, medianMs: rank(0.5), p90Ms: rank(0.9), maxMs: sorted.at(-1)! };
}

/** 850 ms, 4.2 s, 3 min 05 s, 1 h 02 min: short enough for a table cell. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
