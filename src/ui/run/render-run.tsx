// `novaops run` / `resume` on a terminal: the run screen drives the engine's run, the final
// frame stays on screen, and the terminal is handed back as it was found.
import { render } from 'ink';
import type { RunResult } from '../../engine/runner.js';
import type { RunMode } from '../../engine/runbook.js';
import { RunScreen } from './run-screen.js';
import { createUiRun, type StepOutline, type UiRunDeps } from './ui-run.js';

export interface RenderRunOptions {
  readOnly: boolean;
  mode?: RunMode;
  steps: readonly StepOutline[];
  redact: (text: string) => string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** The second Ctrl-C: leave at once (the plain CLI exits 130; a resume checks what was in flight). */
  quitNow: () => never;
}

export async function renderRun(options: RenderRunOptions, go: (deps: UiRunDeps) => Promise<RunResult>): Promise<RunResult> {
  const run = createUiRun({ readOnly: options.readOnly, mode: options.mode, steps: options.steps, redact: options.redact });
  const screen = (result?: RunResult) => <RunScreen run={run} result={result} onExit={() => undefined} exitKeys={false} />;
  const ink = render(screen(), {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    // Ctrl-C is the run's to answer (ask, then stop after in-flight operations), not ink's.
    exitOnCtrlC: false,
    patchConsole: true,
  });
  run.onQuit(() => {
    run.dispose();
    ink.unmount();
    options.quitNow();
  });
  // In raw mode Ctrl-C arrives as a key; a SIGINT comes from elsewhere (kill -INT) or before raw
  // mode was on, and is taken as the key is: ask, then stop, then quit.
  const onSigint = () => run.interrupt();
  process.on('SIGINT', onSigint);
  try {
    const result = await go(run.deps);
    run.drain();
    ink.rerender(screen(result));
    return result;
  } finally {
    process.off('SIGINT', onSigint);
    run.dispose();
    // Unmounting writes the last frame for good and restores the terminal's mode and cursor.
    ink.unmount();
    await ink.waitUntilExit().catch(() => undefined);
  }
}
