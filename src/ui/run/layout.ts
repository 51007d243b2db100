// How the live area shares the terminal's rows. It must stay shorter than the terminal: a taller
// one makes ink clear the screen and reprint every finished line on each frame.
import type { RunResult } from '../../engine/runner.js';
import { summaryLines } from './run-summary.js';
import type { RunView } from './ui-run.js';

/** Rows a text takes when wrapped at `width` columns (a good estimate: ink wraps at word breaks). */
export function wrappedRows(text: string, width: number): number {
  return text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil([...line].length / Math.max(width, 10))), 0);
}

/** Rows of the question, the stop question or the summary, whichever is shown. */
export function promptRows(view: RunView, result: RunResult | undefined, columns: number, typedIntro: string): number {
  const inner = columns - 4;
  const c = view.confirmation;
  if (view.askingStop) return 2 + wrappedRows('Stop after the operations in flight? The run can be resumed (novaops resume 00000000-000000-xxxxxxxxxxxx-xxxx)', inner) + 1;
  if (c) {
    const details = c.details.reduce((n, d) => n + wrappedRows(`  ${d}`, inner), 0);
    const answer = c.typedWord === null ? 1 : wrappedRows(typedIntro, inner) + 2;
    return 2 + wrappedRows(c.question, inner) + details + answer;
  }
  if (view.end) {
    const { title, lines } = summaryLines(view, result);
    return 2 + [title, ...lines].reduce((n, line) => n + wrappedRows(line, inner), 0);
  }
  return 0;
}
