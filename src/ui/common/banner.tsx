import { Box, Text } from 'ink';
import { tone } from './theme.js';

export type BannerKind = 'read-only' | 'dry-run' | 'replay';

const TEXT: Record<BannerKind, string> = {
  'read-only': 'READ-ONLY — dry-runs, show, transcripts and doctor only; live runs are refused',
  'dry-run': 'DRY-RUN — nothing will be changed',
  replay: 'REPLAY — a recorded run, nothing is executed',
};

/** A one-line marker that no frame of its mode may lack. */
export function Banner({ kind, detail }: { kind: BannerKind; detail?: string }) {
  return (
    <Box>
      <Text inverse bold wrap="truncate" color={tone(kind === 'replay' ? 'cyan' : 'yellow')}>
        {` ${TEXT[kind]}${detail ? ` · ${detail}` : ''} `}
      </Text>
    </Box>
  );
}
