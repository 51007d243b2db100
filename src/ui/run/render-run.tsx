// `novaops run` / `resume` on a terminal: the run screen drives the engine's run on the terminal's
// alternate screen; at the end the shell's screen comes back as it was, with the run's outcome
// printed below it as plain lines, so the outcome stays in the operator's scrollback.
import { render } from 'ink';
import { enterAlternateScreen } from '../common/alternate-screen.js';
import { summaryLines } from './run-summary.js';
import type { RunResult } from '../../engine/runner.js';
import type { RunMode } from '../../engine/runbook.js';
import { RunScreen } from './run-screen.js';
import { createUiRun, type StepOutline, type UiRun, type UiRunDeps } from './ui-run.js';

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
  const stdout = options.stdout ?? process.stdout;
  const alternate = enterAlternateScreen(stdout, { beforeLeave: () => ink.unmount() });
  const ink = render(screen(), {
    stdout,
    stdin: options.stdin ?? process.stdin,
    // Ctrl-C is the run's to answer (ask, then stop after in-flight operations), not ink's.
    exitOnCtrlC: false,
    patchConsole: true,
  });
  run.onQuit(() => {
    run.dispose();
    ink.unmount();
    alternate.leave();
    options.quitNow();
  });
  // In raw mode Ctrl-C arrives as a key; a SIGINT comes from elsewhere (kill -INT) or before raw
  // mode was on, and is taken as the key is: ask, then stop, then quit.
  const onSigint = () => run.interrupt();
  process.on('SIGINT', onSigint);
  let result: RunResult | undefined;
  try {
    result = await go(run.deps);
    run.drain();
    ink.rerender(screen(result));
    return result;
  } finally {
    process.off('SIGINT', onSigint);
    run.dispose();
    // Unmounting restores the terminal's mode and cursor; then the shell's screen comes back.
    ink.unmount();
    await ink.waitUntilExit().catch(() => undefined);
    alternate.leave();
    const outcome = outcomeLines(run.view(), result);
    if (outcome.length > 0) stdout.write(`${outcome.join('\n')}\n`);
  }
}

/** The run's outcome as plain lines for the shell's screen (a dry-run's marked, as the plain presenter marks them). */
export function outcomeLines(view: ReturnType<UiRun['view']>, result: RunResult | undefined): string[] {
  if (!view.end) return [];
  const { title, lines } = summaryLines(view, result);
  const head = view.info ? `novaops ${view.info.runbook} ${view.info.scope}: ` : 'novaops: ';
  const mark = view.mode === 'dry-run' ? '[DRY-RUN] ' : '';
  return [`${head}${title}`, ...lines.map((line) => `  ${line}`)].map((line) => mark + line);
}
