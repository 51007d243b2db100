// What `run` and `resume` share on the command line: the prepared run (src/cli/run-service.ts) on
// the config's cloud, with presenter, prompter and Ctrl-C wired into the engine; the outcome on
// stderr and as the exit code. On a terminal the run screen presents the run; piped, --plain,
// --json or TERM=dumb, the plain or JSON lines.
import type { NovaopsConfig } from '../config/types.js';
import type { RunResult } from '../engine/runner.js';
import { assumeYes } from '../engine/prompter.js';
import type { CloudSession } from './cloud-session.js';
import { describeError } from './fail.js';
import { withInterrupt } from './interrupt.js';
import { attachJsonPresenter } from './presenters/json.js';
import { batchLines } from './presenters/line-batcher.js';
import { attachPlainPresenter } from './presenters/plain.js';
import { choosePrompter } from './prompters.js';
import { withCloud, type PreparedRun } from './run-service.js';
import { isInteractiveTerminal, prepareForInk } from './terminal.js';

export interface DriveFlags {
  yes?: boolean;
  json?: boolean;
  plain?: boolean;
}

/** The TUI needs an operator's terminal on both ends; --yes still gets it (only the questions answer themselves). */
export function wantsRunScreen(flags: DriveFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  return !flags.plain && !flags.json && isInteractiveTerminal(env);
}

export async function driveRun(config: NovaopsConfig, flags: DriveFlags, run: PreparedRun): Promise<void> {
  await withCloud(config, async (session) => {
    const result = wantsRunScreen(flags) ? await driveOnScreen(session, flags, run) : await drivePlain(session, flags, run);
    // Bad input or a refusal found inside the run (unknown --test-instance, unknown schema, no one
    // to confirm): the presenter showed it as the run's end; stderr gets it with what to do.
    if (result.error) process.stderr.write(`${session.redactor.redact(describeError(result.error))}\n`);
    // A blocked, failed or held-back run, or a dry-run a live run of which would be refused, says
    // so on stderr too: stdout may be piped to a file or a pager.
    else if (result.exitCode !== 0) process.stderr.write(`${session.redactor.redact(`novaops: ${result.outcome}: ${result.summary}`)}\n`);
    process.exitCode = result.exitCode;
  });
}

async function drivePlain(session: CloudSession, flags: DriveFlags, run: PreparedRun): Promise<RunResult> {
  const interactive = !!process.stdin.isTTY && !flags.json;
  // Batched unless a question may be asked at the terminal: a question must not overtake the
  // lines before it.
  const lines = batchLines((text) => process.stdout.write(text), { immediate: interactive });
  try {
    return await withInterrupt((stop) =>
      run.go(session, {
        prompter: choosePrompter({ yes: !!flags.yes, interactive }),
        onBus: (bus) => (flags.json ? attachJsonPresenter : attachPlainPresenter)(bus, session.redactor, lines.write),
        stop,
      }),
    );
  } finally {
    lines.close();
  }
}

async function driveOnScreen(session: CloudSession, flags: DriveFlags, run: PreparedRun): Promise<RunResult> {
  prepareForInk();
  // Loaded only here: the plain and JSON paths never pay for react and ink.
  const { renderRun } = await import('../ui/run/render-run.js');
  return renderRun(
    {
      readOnly: session.config.readOnly,
      mode: run.outline.mode,
      steps: run.outline.steps,
      redact: (text) => session.redactor.redact(text),
      quitNow: () => {
        process.stderr.write('novaops: stopping now; `novaops resume` will check what was in flight\n');
        process.exit(130);
      },
    },
    (ui) => run.go(session, { ...ui, prompter: flags.yes ? assumeYes : ui.prompter }),
  );
}
