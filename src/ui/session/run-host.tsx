import { useEffect, useMemo, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { StatusMessage } from '@inkjs/ui';
import type { RunResult } from '../../engine/runner.js';
import type { StepOutline } from '../run/ui-run.js';
import { createUiRun } from '../run/ui-run.js';
import { RunScreen } from '../run/run-screen.js';
import { Footer } from '../common/footer.js';
import type { RunRequestInput, SessionServices } from './services.js';

export type RunOrder = { kind: 'start'; request: RunRequestInput; steps?: readonly StepOutline[] } | { kind: 'resume'; runId: string };

/** A live run (new or resumed) on the run screen; what stops it before it starts is shown here. */
export function RunHost(props: { services: SessionServices; order: RunOrder; active: boolean; onExit: () => void; onHardQuit?: () => void; onHelp?: () => void }) {
  const { services, order, active, onExit, onHardQuit, onHelp } = props;
  const run = useMemo(() => createUiRun({ readOnly: services.readOnly, steps: order.kind === 'start' ? order.steps : undefined }), [services, order]);
  const [result, setResult] = useState<RunResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const going = order.kind === 'start' ? services.startRun(order.request, run.deps) : services.resumeRun(order.runId, run.deps);
    going.then(setResult, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    return () => run.dispose();
  }, [services, order, run]);
  // The second Ctrl-C: leave at once, as the plain CLI does; a resume checks what was in flight.
  useEffect(() => (onHardQuit ? run.onQuit(onHardQuit) : undefined), [run, onHardQuit]);
  useInput(() => onExit(), { isActive: active && error !== undefined && run.view().info === null });
  if (error !== undefined && run.view().info === null) {
    return (
      <Box flexDirection="column">
        <StatusMessage variant="error">{error}</StatusMessage>
        <Text>nothing was started.</Text>
        <Footer keys={[{ key: 'any key', label: 'back' }]} />
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <RunScreen run={run} result={result} onExit={onExit} onHelp={onHelp} active={active} />
      {error !== undefined ? <StatusMessage variant="error">{error}</StatusMessage> : null}
    </Box>
  );
}
