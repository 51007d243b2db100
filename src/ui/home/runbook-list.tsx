import { Box, Text } from 'ink';
import type { CatalogueEntry } from '../../engine/runbook.js';
import { tone } from '../common/theme.js';
import { wrapText } from '../common/text-lines.js';

/** Every runbook with its title; the highlighted one's purpose below, so the list fits 80x24. */
export function RunbookList({ runbooks, cursor, width }: { runbooks: readonly CatalogueEntry[]; cursor: number; width: number }) {
  const idWidth = Math.max(...runbooks.map((r) => r.id.length)) + 2;
  const focused = runbooks[cursor];
  const purpose = focused ? wrapText(focused.summary, width - 4).slice(0, 2) : [];
  return (
    <Box flexDirection="column">
      {runbooks.map((entry, i) => (
        <Text key={entry.id} wrap="truncate" inverse={i === cursor} bold={i === cursor}>
          {i === cursor ? '› ' : '  '}
          {entry.id.padEnd(idWidth)}
          {entry.title}
        </Text>
      ))}
      {purpose.map((line, i) => (
        <Text key={i} wrap="truncate" color={tone('gray')}>
          {'    '}
          {line}
        </Text>
      ))}
    </Box>
  );
}
