// What `run` and `resume` share: open the cloud, wire presenter, prompter and Ctrl-C into the
// engine, report the outcome on stderr and as the exit code, close the cloud.
import type { RunDeps, RunResult } from '../engine/runner.js';
import { openCloudSession } from './cloud-session.js';
import { describeError } from './fail.js';
import { withInterrupt } from './interrupt.js';
import { attachJsonPresenter } from './presenters/json.js';
import { attachPlainPresenter } from './presenters/plain.js';
import { choosePrompter } from './prompters.js';

export interface DriveFlags {
  yes?: boolean;
  json?: boolean;
}

export async function driveRun(configPath: string | undefined, flags: DriveFlags, go: (deps: RunDeps) => Promise<RunResult>): Promise<void> {
  const session = await openCloudSession(configPath);
  try {
    const write = (text: string) => process.stdout.write(text);
    const result = await withInterrupt((stop) =>
      go({
        config: session.config,
        effects: session.effects,
        redactor: session.redactor,
        prompter: choosePrompter({ yes: !!flags.yes, interactive: !!process.stdin.isTTY && !flags.json }),
        onBus: (bus) => (flags.json ? attachJsonPresenter : attachPlainPresenter)(bus, session.redactor, write),
        stop,
      }),
    );
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
