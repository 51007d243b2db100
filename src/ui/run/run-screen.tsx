// The run as it happens (or as recorded): banners and header, steps with live status and
// progress, operations in flight, then the question or the summary. Finished lines go to
// <Static> above, so a 1,000-instance run redraws only this small live area.
import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { RunResult } from '../../engine/runner.js';
import { Footer } from '../common/footer.js';
import { tone } from '../common/theme.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import { COMMAND_LOG_CHROME, CommandLogView } from './command-log-view.js';
import { ConfirmPrompt, typedIntro } from './confirm-prompt.js';
import { promptRows } from './layout.js';
import { RunHeader } from './run-header.js';
import { RunLog } from './run-log.js';
import { RunSummary, summaryLines } from './run-summary.js';
import { operationRows, RunningOperations } from './running-operations.js';
import { StepList, stepListRows } from './step-list.js';
import { StopPrompt } from './stop-prompt.js';
import type { RunView, UiRun } from './ui-run.js';
import { useRunKeys } from './use-run-keys.js';
import { useRunView } from './use-run-view.js';

export interface RunScreenProps {
  run: UiRun;
  /** The engine's result once it returned (exit code, error); the screen shows run.end without it. */
  result?: RunResult;
  /** The operator is done with the screen (q, Esc or Enter after the end). */
  onExit: () => void;
  /** Off when the caller closes the screen itself (the CLI exits after the final frame). */
  exitKeys?: boolean;
  /** `?`: the session's help overlay for the run screen (the CLI's run screen has none). */
  onHelp?: () => void;
  /** Told when the command log opens or closes (a replay leaves esc to it while open). */
  onCommandLog?: (open: boolean) => void;
  /** Off while an overlay (help) has the keys. */
  active?: boolean;
}

const MAX_OPS_SHOWN = 6;

/** Rows for the steps and the operations in flight, from what is left of the terminal. */
function share(view: RunView, free: number): { stepRows: number; ops: number; output: number } {
  const n = view.running.length;
  const stepRows = stepListRows(view.steps, Math.max(free - operationRows(n, Math.min(n, 1), 0), 1));
  const left = free - stepRows;
  for (const output of [1, 0]) {
    for (let count = Math.min(n, MAX_OPS_SHOWN); count >= 1; count--) {
      if (operationRows(n, count, output) <= left) return { stepRows, ops: count, output };
    }
  }
  return { stepRows, ops: 0, output: 0 };
}

export function RunScreen({ run, result, onExit, exitKeys = true, onHelp, onCommandLog, active = true }: RunScreenProps) {
  const view = useRunView(run);
  const { columns, rows } = useTerminalSize();
  const ended = view.end !== null || result !== undefined;
  const c = view.confirmation;
  const [logOpen, setLogOpen] = useState(false);
  // A question of the engine, or the stop question, always shows: it closes the command log.
  const questioned = c !== null || view.askingStop;
  const showLog = logOpen && !questioned;
  const toggleLog = (open: boolean) => {
    setLogOpen(open);
    onCommandLog?.(open);
  };
  useRunKeys(run, ended, onExit, !showLog);
  useInput(
    (input, key) => {
      if (questioned) return;
      if (input === 'l') toggleLog(!showLog);
      else if (showLog && key.escape) toggleLog(false);
      else if (input === '?' && onHelp) onHelp();
    },
    { isActive: active },
  );
  const warning = !ended ? view.warnings[view.warnings.length - 1] : undefined;
  const footer = !ended || exitKeys ? 1 : 0;
  const fixed = (view.readOnly ? 1 : 0) + (view.mode === 'dry-run' ? 1 : 0) + 1 + (view.info ? 1 : 0) + footer + (warning ? 1 : 0) + (view.stopping && !ended ? 1 : 0);
  const prompt = promptRows(view, result, columns, c?.typedWord ? typedIntro(c.typedWord, c.typedWordMeaning) : '');
  const { stepRows, ops, output } = share(view, rows - 1 - fixed - prompt);
  const logKeys = [{ key: 'l', label: showLog ? 'steps' : 'commands' }, ...(onHelp ? [{ key: '?', label: 'help' }] : [])];
  if (showLog) {
    const outcome = view.end ? summaryLines(view, result).title : null;
    const height = Math.max(3, rows - 1 - fixed - COMMAND_LOG_CHROME - (outcome ? 1 : 0));
    return (
      <>
        <RunLog chunks={view.log} dryRun={view.mode === 'dry-run'} />
        <Box flexDirection="column">
          <RunHeader view={view} />
          <CommandLogView log={view.commands} version={view.commandsVersion} width={columns} height={height} active={active} />
          {warning && (
            <Text wrap="truncate" color={tone('yellow')}>
              ! {warning}
            </Text>
          )}
          {view.stopping && !ended && <Text color={tone('yellow')} wrap="truncate">Stopping after the operations in flight… (Ctrl-C again quits at once)</Text>}
          {outcome && (
            <Text bold wrap="truncate">
              {outcome}
            </Text>
          )}
          {footer > 0 && <Footer keys={[{ key: '↑↓ PgUp PgDn g G', label: 'scroll' }, { key: 'l/esc', label: 'back to the steps' }]} />}
        </Box>
      </>
    );
  }
  return (
    <>
      <RunLog chunks={view.log} dryRun={view.mode === 'dry-run'} />
      <Box flexDirection="column">
        <RunHeader view={view} />
        <StepList steps={view.steps} at={view.at} maxRows={stepRows} />
        {!ended && <RunningOperations ops={view.running} max={ops} output={output} />}
        {warning && (
          <Text wrap="truncate" color={tone('yellow')}>
            ! {warning}
          </Text>
        )}
        {view.stopping && !ended && <Text color={tone('yellow')} wrap="truncate">Stopping after the operations in flight… (Ctrl-C again quits at once)</Text>}
        {view.askingStop && <StopPrompt runId={view.info?.runId ?? null} answer={(yes) => run.answerStop(yes)} />}
        {c && !view.askingStop && <ConfirmPrompt key={c.id} confirmation={c} answer={(yes) => run.answer(yes, 'operator', c.id)} />}
        <RunSummary view={view} result={result} />
        {!ended && <Footer keys={[{ key: 'Ctrl-C', label: 'stop after the operations in flight' }, ...logKeys]} />}
        {ended && exitKeys && <Footer keys={[{ key: 'q/Enter', label: 'close' }, ...logKeys]} />}
      </Box>
    </>
  );
}
