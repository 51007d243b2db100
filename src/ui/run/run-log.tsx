import { Static, Text } from 'ink';
import { tone, type Tone } from '../common/theme.js';
import type { LogChunk, LogLine } from './run-view.js';

const LEVEL: Record<LogLine['level'], Tone | undefined> = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' };

function lineText(line: LogLine, dryRun: boolean): string {
  return `${dryRun ? '[DRY-RUN] ' : ''}${line.kind === 'step' ? '== ' : '  '}${line.level === 'warn' && line.kind === 'note' ? '! ' : ''}${line.text}`;
}

/**
 * Finished items, notes and step ends: written once above the live area and never redrawn. Each
 * chunk (the lines of one batch) is one text, so a burst of a thousand items is one layout.
 */
export function RunLog({ chunks, dryRun }: { chunks: readonly LogChunk[]; dryRun: boolean }) {
  return (
    <Static items={chunks as LogChunk[]}>
      {(chunk) => (
        <Text key={chunk.n}>
          {chunk.lines.map((line, i) => {
            const color = LEVEL[line.level];
            const text = lineText(line, dryRun) + (i < chunk.lines.length - 1 ? '\n' : '');
            return color || line.kind === 'plan' ? (
              <Text key={line.n} color={color ? tone(color) : undefined} dimColor={line.kind === 'plan'}>
                {text}
              </Text>
            ) : (
              text
            );
          })}
        </Text>
      )}
    </Static>
  );
}
