import { Box, Text } from 'ink';
import { tone } from '../common/theme.js';
import type { RunningOperation } from './run-view.js';

/** Rows RunningOperations takes for `count` operations with `output` lines each (plus the title and the "more" line). */
export function operationRows(total: number, count: number, output: number): number {
  if (total === 0) return 0;
  return 1 + count * (2 + output) + (total > count ? 1 : 0);
}

/** The operations in flight, each with its exact command line and latest output; the rest counted. */
export function RunningOperations({ ops, max, output }: { ops: readonly RunningOperation[]; max: number; output: number }) {
  if (ops.length === 0 || max <= 0) return null;
  const shown = ops.slice(0, max);
  return (
    <Box flexDirection="column">
      <Text bold>In flight ({ops.length}):</Text>
      {shown.map((op) => (
        <Box key={op.opId} flexDirection="column" paddingLeft={2}>
          <Text wrap="truncate">
            <Text color={tone(op.mutating ? 'yellow' : 'cyan')}>{op.mutating ? '▸ change' : '▸ read  '}</Text> {op.item ?? op.step}: {op.summary}
          </Text>
          <Text wrap="truncate" dimColor>
            {'  $ '}
            {op.command}
          </Text>
          {op.output.slice(-output).map((line, i) => (
            <Text key={i} wrap="truncate" dimColor>
              {'    '}
              {line}
            </Text>
          ))}
        </Box>
      ))}
      {ops.length > shown.length && <Text dimColor>  … and {ops.length - shown.length} more in flight</Text>}
    </Box>
  );
}
