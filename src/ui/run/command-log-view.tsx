import { Box, Text } from 'ink';
import { ScrollView } from '../common/scroll-view.js';
import { wrapText } from '../common/text-lines.js';
import { tone } from '../common/theme.js';
import { useScroll } from '../common/use-scroll.js';
import type { CommandEntry, CommandLogReader } from './command-log.js';
import { formatDuration } from './format.js';

function statusLabel(entry: CommandEntry): string {
  const code = entry.httpStatus !== undefined ? ` HTTP ${entry.httpStatus}` : entry.exitCode !== undefined ? ` exit ${entry.exitCode}` : '';
  if (entry.status === 'running') return '… running';
  return `${entry.status === 'ok' ? '✔ ok' : '✘ FAILED'}${code}`;
}

/** One command as terminal lines: status, duration, where, then the exact command, wrapped, never cut. */
export function commandLines(entry: CommandEntry, width: number): string[] {
  const head = `${statusLabel(entry).padEnd(16)} ${(entry.durationMs === undefined ? '' : formatDuration(entry.durationMs)).padStart(7)}  ${entry.step}${entry.item ? ` · ${entry.item}` : ''}`;
  const command = `${entry.host ? `[${entry.host}] ` : ''}${entry.command}`;
  return [head, ...wrapText(`  $ ${command}`, width, '    '), ...(entry.error ? wrapText(`    ! ${entry.error}`, width, '      ') : [])];
}

const cache = new WeakMap<CommandEntry, { version: number; width: number; lines: string[] }>();

function linesOf(entry: CommandEntry, width: number): string[] {
  const hit = cache.get(entry);
  if (hit && hit.version === entry.version && hit.width === width) return hit.lines;
  const lines = commandLines(entry, width);
  cache.set(entry, { version: entry.version, width, lines });
  return lines;
}

/** Rows the view takes besides `height`: its title and the scroll position line. */
export const COMMAND_LOG_CHROME = 2;

/**
 * The commands the run executed, oldest first, following the newest until the operator scrolls
 * up (↑↓ PgUp PgDn g G); each entry is laid out once per change (cached), so a long run stays cheap.
 */
export function CommandLogView({ log, width, height, active }: { log: CommandLogReader; /** Changes with the log: the view redraws. */ version: number; width: number; height: number; active: boolean }) {
  const lines: string[] = [];
  for (let i = 0; i < log.size; i++) lines.push(...linesOf(log.at(i)!, width));
  const offset = useScroll(lines.length, height, active, true, true);
  const dropped = log.total - log.size;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate" color={tone('cyan')}>
        {`Commands (${log.total}${dropped > 0 ? `, the last ${log.size} kept; the transcript has all` : ''})`}
      </Text>
      {lines.length === 0 ? <Text color={tone('gray')}>no command has run yet</Text> : <ScrollView lines={lines} offset={offset} height={height} />}
    </Box>
  );
}
