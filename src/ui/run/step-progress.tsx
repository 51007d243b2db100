import { Box, Text } from 'ink';
import { ProgressBar } from '@inkjs/ui';
import { formatDuration } from './format.js';
import type { StepView } from './run-view.js';

/** Items finished of those the step executes, with the rate since its first operation and an ETA. */
export function StepProgress({ step, at }: { step: StepView; at: number }) {
  const { done, failed, held, skipped } = step.counts;
  const total = Math.max(step.plannedItems + held, 1);
  const finished = done + failed + held + skipped;
  const elapsed = step.executingSince !== null ? (step.endedAt ?? at) - step.executingSince : 0;
  const executed = done + failed;
  const rate = elapsed > 0 ? (executed * 1000) / elapsed : 0;
  const left = Math.max(total - finished, 0);
  const eta = rate > 0 ? formatDuration((left / rate) * 1000) : '—';
  return (
    <Box paddingLeft={4}>
      <Box width={20} flexShrink={0}>
        <ProgressBar value={(finished / total) * 100} />
      </Box>
      <Text wrap="truncate">
        {' '}
        {finished}/{total} · {rate.toFixed(1)}/s · ETA {left === 0 ? 'done' : eta}
        {failed ? ` · ${failed} failed` : ''}
        {held ? ` · ${held} held back` : ''}
      </Text>
    </Box>
  );
}
