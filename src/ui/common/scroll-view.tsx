import { Box, Text } from 'ink';
import { tone } from './theme.js';

/** `height` lines of `lines` from `offset`, with a position marker when there is more. */
export function ScrollView({ lines, offset, height }: { lines: readonly string[]; offset: number; height: number }) {
  const shown = lines.slice(offset, offset + height);
  const more = lines.length > height;
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        <Text key={offset + i} wrap="truncate">
          {line || ' '}
        </Text>
      ))}
      {more ? (
        <Text color={tone('gray')} wrap="truncate">
          {`— lines ${offset + 1}-${Math.min(lines.length, offset + height)} of ${lines.length} —`}
        </Text>
      ) : null}
    </Box>
  );
}
