// The transcript list's filters: each key press moves a filter to its next value.
import type { RunSummary } from '../session/services.js';

export const OUTCOMES = ['completed', 'planned', 'completed-held-back', 'failed', 'aborted', 'blocked', 'refused', 'abandoned', 'running'] as const;

export interface RunFilters {
  runbook: string | null;
  outcome: string | null;
}

export function nextValue<T>(values: readonly T[], current: T | null): T | null {
  const i = current === null ? -1 : values.indexOf(current);
  return i + 1 < values.length ? values[i + 1] : null;
}

export function applyFilters(runs: readonly RunSummary[], filters: RunFilters): RunSummary[] {
  return runs.filter((r) => (filters.runbook === null || r.runbook === filters.runbook) && (filters.outcome === null || r.status === filters.outcome));
}
