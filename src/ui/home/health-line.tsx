import { Text } from 'ink';
import { Spinner } from '@inkjs/ui';
import type { HealthLine as Health } from '../session/services.js';
import type { AsyncState } from '../common/use-async.js';
import { tone } from '../common/theme.js';

export function describeHealth(health: Health): string {
  if (health.error) return `unknown — ${health.error}`;
  if (health.failed.length === 0) return `ok ${health.passed}/${health.total}`;
  return `${health.failed.length} check${health.failed.length === 1 ? '' : 's'} failed: ${health.failed.join(', ')}`;
}

export function HealthLine({ state }: { state: AsyncState<Health> }) {
  if (state.status === 'pending') return <Spinner label="health: checking (novaops doctor)…" />;
  if (state.status === 'failed')
    return (
      <Text wrap="truncate" color={tone('yellow')}>
        health: unknown — {state.error}
      </Text>
    );
  return (
    <Text wrap="truncate" color={tone(state.value.ok ? 'green' : 'red')}>
      health: {describeHealth(state.value)}
    </Text>
  );
}
