// Small text helpers of the run screen (rates, durations, statuses as words).
import type { StepStatus } from './run-view.js';
import type { Tone } from '../common/theme.js';

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A glyph and a word for each status: colour is only a hint. `word`: when the status is too long for the column. */
export const STATUS: Record<StepStatus, { mark: string; tone: Tone; word?: string }> = {
  pending: { mark: '·', tone: 'gray' },
  guards: { mark: '?', tone: 'cyan' },
  running: { mark: '▸', tone: 'cyan' },
  'held back': { mark: '!', tone: 'yellow' },
  done: { mark: '✔', tone: 'green' },
  planned: { mark: '✔', tone: 'green' },
  skipped: { mark: '-', tone: 'gray' },
  'not applicable': { mark: '-', tone: 'gray', word: 'N/A' },
  failed: { mark: '✘', tone: 'red' },
  blocked: { mark: '✘', tone: 'red' },
};
