import { Box, Text, useInput } from 'ink';
import { Footer } from './footer.js';

export type HelpLine = readonly [key: string, what: string];

/** Replaces the screen until any key closes it (the screen below keeps its state). */
export function HelpOverlay({ title, lines, onClose }: { title: string; lines: readonly HelpLine[]; onClose: () => void }) {
  useInput(() => onClose());
  const width = Math.max(...lines.map(([key]) => key.length), 3) + 2;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold wrap="truncate">
        Help — {title}
      </Text>
      {lines.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          {key.padEnd(width)}
          {what}
        </Text>
      ))}
      <Footer keys={[{ key: 'any key', label: 'close' }]} />
    </Box>
  );
}
