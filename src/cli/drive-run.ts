// What `run` and `resume` share: open the cloud, wire presenter, prompter and Ctrl-C into the
// engine, report the outcome on stderr and as the exit code, close the cloud. On a terminal the
// run screen presents the run; piped, --plain, --json or TERM=dumb, the plain or JSON lines.
import type { RunDeps, RunResult } from '../engine/runner.js';
import type { RunMode } from '../engine/runbook.js';
import { assumeYes } from '../engine/prompter.js';
import { openCloudSession, type CloudSession } from './cloud-session.js';
import { describeError } from './fail.js';
import { withInterrupt } from './interrupt.js';
import { attachJsonPresenter } from './presenters/json.js';
import { attachPlainPresenter } from './presenters/plain.js';
import { choosePrompter } from './prompters.js';
import { isInteractiveTerminal, prepareForInk } from './terminal.js';

export interface DriveFlags {
  yes?: boolean;
  json?: boolean;
  plain?: boolean;
}

/** What the run screen knows before the engine starts: the mode (a dry-run's first frame says so) and the steps in order (those not reached yet are listed). */
export interface RunOutline {
  mode: RunMode;
  steps: readonly { id: string; title: string }[];
}

/** The TUI needs an operator's terminal on both ends; --yes still gets it (only the questions answer themselves). */
export function wantsRunScreen(flags: DriveFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  return !flags.plain && !flags.json && isInteractiveTerminal(env);
}

export async function driveRun(configPath: string | undefined, flags: DriveFlags, go: (deps: RunDeps) => Promise<RunResult>, outline?: RunOutline): Promise<void> {
  const session = await openCloudSession(configPath);
  try {
    const result = wantsRunScreen(flags) ? await driveOnScreen(session, flags, go, outline) : await drivePlain(session, flags, go);
    // Bad input or a refusal found inside the run (unknown --test-instance, unknown schema, no one
    // to confirm): the presenter showed it as the run's end; stderr gets it with what to do.
    if (result.error) process.stderr.write(`${session.redactor.redact(describeError(result.error))}\n`);
    // A blocked or failed run says so on stderr too: stdout may be piped to a file or a pager.
    else if (result.exitCode !== 0 && result.outcome !== 'planned') process.stderr.write(`${session.redactor.redact(`novaops: ${result.outcome}: ${result.summary}`)}\n`);
    process.exitCode = result.exitCode;
  } finally {
    await session.close();
  }
}

function drivePlain(session: CloudSession, flags: DriveFlags, go: (deps: RunDeps) => Promise<RunResult>): Promise<RunResult> {
  const write = (text: string) => process.stdout.write(text);
  return withInterrupt((stop) =>
    go({
      config: session.config,
      effects: session.effects,
      redactor: session.redactor,
      prompter: choosePrompter({ yes: !!flags.yes, interactive: !!process.stdin.isTTY && !flags.json }),
      onBus: (bus) => (flags.json ? attachJsonPresenter : attachPlainPresenter)(bus, session.redactor, write),
      stop,
    }),
  );
}

async function driveOnScreen(session: CloudSession, flags: DriveFlags, go: (deps: RunDeps) => Promise<RunResult>, outline: RunOutline | undefined): Promise<RunResult> {
  prepareForInk();
  // Loaded only here: the plain and JSON paths never pay for react and ink.
  const { renderRun } = await import('../ui/run/render-run.js');
  return renderRun(
    {
      readOnly: session.config.readOnly,
      mode: outline?.mode,
      steps: outline?.steps ?? [],
      redact: (text) => session.redactor.redact(text),
      quitNow: () => {
        process.stderr.write('novaops: stopping now; `novaops resume` will check what was in flight\n');
        process.exit(130);
      },
    },
    (ui) =>
      go({
        config: session.config,
        effects: session.effects,
        redactor: session.redactor,
        onBus: ui.onBus,
        prompter: flags.yes ? assumeYes : ui.prompter,
        stop: ui.stop,
      }),
  );
}
