import { Box, Text } from 'ink';
import { tone } from '../common/theme.js';
import { STATUS } from './format.js';
import { StepProgress } from './step-progress.js';
import type { StepView } from './run-view.js';

/** Steps that execute items get a progress bar while they run. */
function hasProgress(step: StepView): boolean {
  return step.plannedItems > 0 && step.executingSince !== null && step.status === 'running';
}

function heldKeys(step: StepView): string {
  const keys = step.guards.flatMap((g) => g.heldBack.map((h) => h.key));
  if (keys.length === 0) return '';
  return `held back: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ` +${keys.length - 3}` : ''}`;
}

/** Why a step stopped the run deserves its own line; other details share the step's line. */
function stoppedReason(step: StepView): string | null {
  if (step.status !== 'failed' && step.status !== 'blocked') return null;
  const guard = step.guards.find((g) => !g.ok);
  return guard ? `guard "${guard.name}" failed: ${guard.detail}` : step.detail;
}

/** Lines the list needs for `count` steps from `start` (progress and the ↑/↓ markers included). */
function linesFor(steps: readonly StepView[], start: number, count: number): number {
  const shown = steps.slice(start, start + count);
  return (
    shown.length +
    shown.reduce((n, s) => n + (hasProgress(s) ? 1 : 0) + (stoppedReason(s) !== null ? 1 : 0) + (heldKeys(s) ? 1 : 0), 0) +
    (start > 0 ? 1 : 0) +
    (start + count < steps.length ? 1 : 0)
  );
}

/** How many rows StepList takes at most for these steps within `maxRows`. */
export function stepListRows(steps: readonly StepView[], maxRows: number): number {
  return layout(steps, maxRows).rows;
}

function layout(steps: readonly StepView[], maxRows: number): { start: number; count: number; rows: number } {
  const current = Math.max(
    steps.findIndex((s) => s.status === 'running' || s.status === 'guards' || s.status === 'held back'),
    steps.findIndex((s) => s.status === 'failed' || s.status === 'blocked'),
    0,
  );
  if (linesFor(steps, 0, steps.length) <= maxRows) return { start: 0, count: steps.length, rows: linesFor(steps, 0, steps.length) };
  // A window around the current step: one before it, as many after as fit; the others counted.
  for (let count = steps.length - 1; count >= 1; count--) {
    const start = count === 1 ? current : Math.min(Math.max(current - 1, 0), steps.length - count);
    const rows = linesFor(steps, start, count);
    if (rows <= maxRows) return { start, count, rows };
  }
  return { start: current, count: 1, rows: linesFor(steps, current, 1) };
}

/** Every step with its status, or on a short terminal a window around the current one. */
export function StepList({ steps, at, maxRows }: { steps: readonly StepView[]; at: number; maxRows: number }) {
  const { start, count } = layout(steps, maxRows);
  const shown = steps.slice(start, start + count);
  const after = steps.length - start - shown.length;
  return (
    <Box flexDirection="column">
      {start > 0 && <Text dimColor>  ↑ {start} earlier step(s)</Text>}
      {shown.map((step) => {
        const s = STATUS[step.status];
        const reason = stoppedReason(step);
        const detail = reason === null && step.status !== 'pending' ? step.detail : '';
        const held = heldKeys(step);
        return (
          <Box key={step.id} flexDirection="column">
            <Text wrap="truncate">
              <Text color={tone(s.tone)}>
                {s.mark} {(s.word ?? step.status.toUpperCase()).padEnd(9)}
              </Text>{' '}
              {step.index}. {step.title}
              {step.optional ? ' (optional)' : ''}
              <Text dimColor>{detail ? ` — ${detail}` : ''}</Text>
            </Text>
            {reason !== null && (
              <Text wrap="truncate" color={tone('red')}>
                {'    '}
                {reason}
              </Text>
            )}
            {held && (
              <Text wrap="truncate" color={tone('yellow')}>
                {'    '}
                {held}
              </Text>
            )}
            {hasProgress(step) && <StepProgress step={step} at={at} />}
          </Box>
        );
      })}
      {after > 0 && <Text dimColor>  ↓ {after} more step(s)</Text>}
    </Box>
  );
}
