import { Box, Text } from 'ink';
import { outcomeHeadline, wouldBlockText } from '../../engine/events.js';
import type { RunResult } from '../../engine/runner.js';
import { tone } from '../common/theme.js';
import { formatDuration } from './format.js';
import type { RunView } from './ui-run.js';

const HELD_SHOWN = 3;

/** What to do next, by outcome: the operator at 3 a.m. should not have to look it up. */
function nextSteps(view: RunView, result: RunResult | undefined): string[] {
  const end = view.end!;
  const info = view.info;
  const runId = result?.runId ?? info?.runId;
  const show = runId && end.runDir ? [`novaops transcripts show ${runId}   (what happened, step by step)`] : [];
  switch (end.outcome) {
    case 'completed':
      return show;
    case 'completed-held-back':
      return ['the run is finished (not resumable): deal with each held-back item as its reason says, then run again', ...show];
    case 'planned':
      if (end.wouldBlock.length > 0) return ['a live run would be refused now: put right what the guards above say first', ...show];
      return [`nothing was changed; run it without --dry-run to make these changes`, ...show];
    case 'refused':
      return result?.error?.hint ? [result.error.hint] : [];
    case 'failed':
    case 'aborted':
    case 'blocked':
      return info?.mode === 'live' && end.runDir && runId ? [`novaops resume ${runId}   (done work is not redone)`, ...show] : show;
  }
}

function shortTitle(end: NonNullable<RunView['end']>): string | undefined {
  if (end.outcome === 'completed-held-back') return `completed, ${end.heldBack.length} held back, not done:`;
  if (end.outcome === 'planned' && end.wouldBlock.length > 0) return 'dry-run: every step planned, nothing changed; a live run would be refused:';
  return undefined;
}

/** The summary's lines: rendered below, and counted by the layout so the live area fits. */
export function summaryLines(view: RunView, result: RunResult | undefined): { title: string; lines: string[] } {
  const end = view.end!;
  const { done, failed, skipped } = end.counts;
  const held = end.outcome === 'completed-held-back';
  return {
    // Held back, or a dry-run a live run of which would be refused: the items or guards one line
    // each below, instead of the summary that names them all at length.
    title: `${outcomeHeadline(end.outcome, end.heldBack.length)}${result ? ` (exit ${result.exitCode})` : ''}: ${shortTitle(end) ?? end.summary}`,
    lines: [
      ...(held ? end.heldBack.slice(0, HELD_SHOWN).map((h) => `held back ${h.key}: ${h.reason}`) : []),
      ...(held && end.heldBack.length > HELD_SHOWN ? [`... and ${end.heldBack.length - HELD_SHOWN} more held back (transcripts show)`] : []),
      ...end.wouldBlock.map((w) => `${w.step}: ${wouldBlockText(w)}`),
      `items: ${done} done, ${failed} failed, ${end.counts.held} held back, ${skipped} already done · took ${formatDuration(end.durationMs)}`,
      ...(result?.error && result.error.message !== end.summary ? [result.error.message] : []),
      end.runDir ? `transcript: ${end.runDir}/transcript.jsonl` : 'no run directory was created: nothing was recorded or changed',
      ...nextSteps(view, result).map((line) => `next: ${line}`),
    ],
  };
}

export function RunSummary({ view, result }: { view: RunView; result: RunResult | undefined }) {
  if (!view.end) return null;
  const good = view.end.outcome === 'completed' || (view.end.outcome === 'planned' && view.end.wouldBlock.length === 0);
  const held = view.end.outcome === 'completed-held-back';
  const { title, lines } = summaryLines(view, result);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone(good ? 'green' : held ? 'yellow' : 'red')} paddingX={1}>
      <Text bold color={tone(good ? 'green' : held ? 'yellow' : 'red')}>
        {title}
      </Text>
      {lines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
    </Box>
  );
}
