import { useEffect, useMemo, useState } from 'react';
import { Box, useInput } from 'ink';
import { Spinner, StatusMessage } from '@inkjs/ui';
import type { SessionServices } from './services.js';
import { Banner } from '../common/banner.js';
import { useAsync } from '../common/use-async.js';
import { createUiRun } from '../run/ui-run.js';
import { RunScreen } from '../run/run-screen.js';
import { resultOfRecording, type ReplaySpeed } from './replay-speed.js';
import { useReplay } from './use-replay.js';

/** A recorded run played into the run screen, as it went (1x), faster (10x) or at once. */
export function ReplayScreen({ services, runId, speed, active, onExit, onHelp }: { services: SessionServices; runId: string; speed: ReplaySpeed; active: boolean; onExit: () => void; onHelp?: () => void }) {
  const transcript = useAsync(() => services.transcript(runId), [services, runId]);
  useInput((_input, key) => key.escape && onExit(), { isActive: active && transcript.status !== 'done' });
  if (transcript.status === 'pending') return <Spinner label={`reading ${runId}…`} />;
  if (transcript.status === 'failed') return <StatusMessage variant="error">cannot replay {runId}: {transcript.error} (esc back)</StatusMessage>;
  return <Replaying runId={runId} events={transcript.value.events} speed={speed} active={active} onExit={onExit} onHelp={onHelp} />;
}

function Replaying(props: { runId: string; events: Parameters<typeof useReplay>[1]; speed: ReplaySpeed; active: boolean; onExit: () => void; onHelp?: () => void }) {
  const { runId, events, speed, active, onExit, onHelp } = props;
  const [logOpen, setLogOpen] = useState(false);
  // Nothing reaches an engine from a replay; its own banner says so (READ-ONLY is the session's).
  const run = useMemo(() => createUiRun(), []);
  useEffect(() => () => run.dispose(), [run]);
  const { fed, end } = useReplay(run, events, speed);
  const result = useMemo(() => (end ? resultOfRecording(runId, end) : undefined), [runId, end]);
  // Until the recorded end, the run screen would take esc for its own; a replay can always be left.
  // While the command log is open, esc is the log's (back to the steps).
  useInput((input, key) => (key.escape || input === 'q') && onExit(), { isActive: !end && !logOpen && active });
  const total = events?.length ?? 0;
  return (
    <Box flexDirection="column">
      <Banner kind="replay" detail={`${speed === 'instant' ? 'instant' : `${speed}x`} · ${fed}/${total} events`} />
      <RunScreen run={run} result={result} onExit={onExit} onHelp={onHelp} onCommandLog={setLogOpen} active={active} />
    </Box>
  );
}
