import { Box, Text } from 'ink';
import { describeStatus } from '../../engine/run-state.js';
import type { RunSummary } from '../session/services.js';
import type { AsyncState } from '../common/use-async.js';
import { tone } from '../common/theme.js';

export function describeRunScope(run: RunSummary): string {
  switch (run.scope.kind) {
    case 'cloud':
      return 'whole cloud';
    case 'instance':
      return `test ${run.scope.name ?? run.scope.uuid}`;
    case 'host':
      return `test host ${run.scope.name}`;
    case 'volume':
      return `volume ${run.scope.name ?? run.scope.id}`;
  }
}

export function runLine(run: RunSummary): string {
  return `${run.runId}  ${run.mode === 'dry-run' ? 'dry-run' : 'live'}  ${describeStatus(run.status, run.heldBack)}  ${describeRunScope(run)}`;
}

/** The `/` filter: a run matches by its id, runbook, mode, status or scope. */
export function matchesRun(run: RunSummary, needle: string): boolean {
  return runLine(run).toLowerCase().includes(needle.toLowerCase());
}

/** The last runs, interrupted ones first; the first of those is what `r` resumes. */
export function RecentRuns({ state, limit, canResume }: { state: AsyncState<RunSummary[]>; limit: number; canResume: boolean }) {
  if (state.status === 'pending') return <Text color={tone('gray')}>reading the runs…</Text>;
  if (state.status === 'failed') return <Text wrap="truncate">runs: cannot read them — {state.error}</Text>;
  const runs = state.value.slice(0, Math.max(1, limit));
  if (runs.length === 0) return <Text color={tone('gray')}>no runs yet</Text>;
  const resumeTarget = canResume ? state.value.find((r) => r.resumable) : undefined;
  return (
    <Box flexDirection="column">
      {runs.map((run) => (
        <Text key={run.runId} wrap="truncate" color={run.resumable ? tone('yellow') : undefined}>
          {run === resumeTarget ? '▶ ' : '  '}
          {runLine(run)}
          {run === resumeTarget ? '  (r resume)' : run.resumable ? '  (resumable)' : ''}
        </Text>
      ))}
      {state.value.length > runs.length ? <Text color={tone('gray')}>  … {state.value.length - runs.length} more (t transcripts)</Text> : null}
    </Box>
  );
}
