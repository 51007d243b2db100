import { Box, Text } from 'ink';
import { tone } from './theme.js';

export interface KeyHint {
  key: string;
  label: string;
}

/** The keys of the current screen, on one line (truncated on a narrow terminal). */
export function Footer({ keys, separator = '  ·  ' }: { keys: readonly KeyHint[]; /** Narrower for a screen with many keys. */ separator?: string }) {
  return (
    <Box>
      <Text wrap="truncate" color={tone('gray')}>
        {keys.map((k) => `${k.key} ${k.label}`).join(separator)}
      </Text>
    </Box>
  );
}
