// novaops command line. Parsing only: each command's module is loaded when it runs, so
// `novaops list` does not pay for the database driver or the TUI.
import { Argument, Command, CommanderError, Option } from 'commander';
import { ExitCode, UsageError } from '../engine/errors.js';
import { catalogue, findEntry } from '../../runbooks/index.js';
import type { CatalogueEntry, Runbook } from '../engine/runbook.js';
import type { RunFlags } from './run-flags.js';
import { describeError, exitCodeOf } from './fail.js';
import { showValue } from '../values/show-value.js';
import { SCENARIO_REGISTRY, SCENARIOS, scenarioCommandOptions } from '../lab/scenarios/registry.js';
import { FAULT_KINDS } from '../lab/faults/plan.js';
import { VERSION } from './version.js';

export type { RunFlags } from './run-flags.js';

/** What the program is built from: the catalogue, and what `run <runbook>` does (a test passes its own). */
export interface ProgramParts {
  catalogue: readonly CatalogueEntry[];
  run(runbook: Runbook, flags: RunFlags, configPath: string | undefined): Promise<void>;
}

const productParts: ProgramParts = {
  catalogue,
  run: async (runbook, flags, configPath) => (await import('./commands/run.js')).runCommand(runbook, flags, configPath),
};

export function buildProgram(parts: ProgramParts = productParts): Command {
  const program = new Command('novaops')
    .description('OpenStack Compute recovery runbooks: ordered, guarded, rehearsable, recorded')
    .option('--config <path>', 'novaops config file (default: $NOVAOPS_CONFIG, ~/.config/novaops/config.yaml, the running lab)')
    .option('--read-only', 'look, never change: dry-runs, show, transcripts and doctor work; live runs, resume and abandon are refused (exit 3)')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    // commander echoes what it could not parse; a 10,000-character argument must not flood the terminal.
    .configureOutput({ outputError: (text, write) => write(clipLongWords(text)) })
    .showHelpAfterError('(novaops --help lists the commands)');
  const configOf = () => program.opts<{ config?: string }>().config;
  // The flag reaches every command the way the environment does, so that the config loader is the
  // one place that decides, and a child novaops (the TUI's runs) inherits it.
  program.hook('preAction', () => {
    if (program.opts<{ readOnly?: boolean }>().readOnly) process.env.NOVAOPS_READ_ONLY = '1';
  });

  program
    .command('list')
    .description('the runbooks, one line each')
    .action(async () => (await import('./commands/list.js')).listCommand());

  program
    .command('show <runbook>')
    .description('its steps, guards, what each step changes, doc reference')
    .action(async (id: string) => (await import('./commands/show.js')).showCommand(id));

  const run = program.command('run').description('run a runbook (the run screen on a terminal; --plain for lines, --json for events)');
  for (const entry of parts.catalogue) {
    const sub = run
      .command(entry.id)
      .description(entry.summary)
      .option('--dry-run', 'execute read-only discovery only; print the exact plan')
      .option('-y, --yes', 'confirm every step without asking (a failed guard still stops the run)')
      .option('--json', 'machine-readable events on stdout')
      .option('--plain', 'plain lines even on a terminal (no run screen)')
      .option('--abandon-unfinished', 'give up (recorded) the unfinished runs of this runbook on this cloud, then run');
    if (entry.testScope === 'instance') sub.option('--test-instance <uuid|name>', 'scope the whole runbook to one instance and its volumes (rehearsal)');
    if (entry.testScope === 'host') sub.option('--test-host <host>', 'scope the whole runbook to one compute host (rehearsal)');
    // Each option as its manifest declares it; commander's own name for it is mapped to the declared key.
    const declared = entry.options.map((option) => {
      const o = new Option(option.flags, option.description);
      if (option.kind === 'list') o.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      // Shown in --help; the runbook's schema checks the value, with a message that names the choices.
      if (option.choices) listValues(o, option.choices);
      if (option.default !== undefined && option.choices) o.default(option.default);
      sub.addOption(o);
      return { key: option.key, name: o.attributeName() };
    });
    for (const argument of entry.arguments ?? []) sub.argument(argument.syntax, argument.description);
    sub.action(async (...args: unknown[]) => {
      // commander passes the positional arguments first, then the options, then the command.
      const flags = args[args.length - 2] as RunFlags;
      for (const { key, name } of declared) {
        if (name === key || flags[name] === undefined) continue;
        flags[key] = flags[name];
        delete flags[name];
      }
      (entry.arguments ?? []).forEach((argument, i) => {
        if (args[i] !== undefined) flags[argument.key] = args[i];
      });
      await parts.run(await entry.load(), flags, configOf());
    });
  }

  program
    .command('resume [run-id]')
    .description('continue an interrupted run; done work is never redone')
    .option('-y, --yes', 'confirm every step without asking')
    .option('--json', 'machine-readable events on stdout')
    .option('--plain', 'plain lines even on a terminal (no run screen)')
    .action(async (runId: string | undefined, flags: { yes?: boolean; json?: boolean; plain?: boolean }) =>
      (await import('./commands/resume.js')).resumeCommand(runId, flags, configOf()),
    );

  program
    .command('abandon <run-id>')
    .description('give up an unfinished run, on the record; until then it blocks new runs of its runbook')
    .option('--reason <text>', 'why, in a few words (kept in its transcript)')
    .action(async (runId: string, flags: { reason?: string }) => (await import('./commands/abandon.js')).abandonCommand(runId, flags, configOf()));

  const transcripts = program.command('transcripts').description('recorded runs: audit trail and post-mortem material');
  transcripts
    .command('list', { isDefault: true })
    .description('every recorded run, newest last')
    .action(async () => (await import('./commands/transcripts.js')).listTranscripts(configOf()));
  transcripts
    .command('show <run-id>')
    .description('one run as readable text (or Markdown)')
    .option('--markdown', 'render as Markdown')
    .action(async (runId: string, flags: { markdown?: boolean }) =>
      (await import('./commands/transcripts.js')).showTranscript(runId, flags, configOf()),
    );
  transcripts
    .command('report <run-id...>')
    .description('the post-mortem report: one self-contained HTML file (timeline, durations, guards, commands, backups); several runs side by side')
    .option('--html <file>', 'where to write it (default: ./novaops-report-<run-id>.html)')
    .action(async (runIds: string[], flags: { html?: string }) => {
      await (await import('./commands/transcripts-report.js')).reportTranscripts(runIds, flags, configOf());
    });
  transcripts
    .command('replay <run-id>')
    .description('play a recorded run on the run screen (on a terminal; printed as text otherwise)')
    .addOption(listValues(new Option('--speed <speed>', 'how fast: as recorded (1), ten times faster (10), or at once (instant)').default('1'), ['1', '10', 'instant']))
    .action(async (runId: string, flags: { speed: string }) => (await import('./commands/transcripts.js')).replayTranscript(runId, flags, configOf()));

  program
    .command('doctor')
    .description('config, databases, API, hosts: each checked and explained')
    .action(async () => (await import('./commands/doctor.js')).doctorCommand(configOf()));

  const lab = program.command('lab').description('a local practice cloud (the demo and the test bed)');
  lab
    .command('up')
    .description('start the lab: MariaDB schemas, OpenStack API simulator, simulated compute hosts')
    .option('--hosts <n>', 'compute hosts', '3')
    .option('--flavour <flavour>', 'schema flavour: modern or nova-volume', 'modern')
    .option('--release <release>', 'the OpenStack release the APIs answer as: zed (compute 2.1-2.93) or epoxy (2025.1: 2.1-2.100, evacuate from 2.95 leaves instances stopped)', 'zed')
    .option('--latency-ms <ms>', 'added to every API request', '0')
    .option('--reboot-ms <ms>', 'how long a hard reboot takes', '300')
    .option('--attach-ms <ms>', 'how long an attach takes', '200')
    .option('--evacuate-ms <ms>', 'how long an evacuation takes')
    .option('--delete-ms <ms>', 'how long a delete takes')
    .option('--service-down-time-ms <ms>', "how long without a heartbeat before a compute service reads down (Nova's service_down_time, 60 s)")
    .option('--report-interval-ms <ms>', "how often the simulated computes heartbeat (Nova's report_interval, 10 s)")
    .option('--fault-rate <rate>', 'inject faults from the start: the chance (0 to 1) per request, statement or host command')
    .option('--fault-seed <n>', 'the fault plan\'s seed (same seed, same order of requests: same faults)')
    .option('--fault-kinds <kinds>', 'comma-separated fault kinds (default all; see novaops lab faults --help)')
    .option('--fault-slow-ms <ms>', 'how long a slow answer takes (default 3000)')
    .option('--db-proxy', "reach the database through the lab's proxy (implied by --fault-rate), so lab faults can fault novaops's statements")
    .action(async (flags: Record<string, string>) => (await import('./commands/lab.js')).labUpCommand(flags));
  lab
    .command('down')
    .description('stop the lab')
    .option('--wipe', 'also delete its databases and files')
    .action(async (flags: { wipe?: boolean }) => (await import('./commands/lab.js')).labDownCommand(flags));
  lab
    .command('status')
    .description('what runs, where')
    .option('--json', 'DB URL, API URL and clouds.yaml path as JSON')
    .action(async (flags: { json?: boolean }) => (await import('./commands/lab.js')).labStatusCommand(flags));
  lab
    .command('faults')
    .description('inject faults (API errors, database errors, dropped host links) into the running lab; no option: show the plan')
    .option('--rate <rate>', 'the chance (0 to 1) that one request, statement or host command is faulted')
    .option('--seed <n>', 'the plan\'s seed (default 1): same seed and same order of requests give the same faults')
    .option('--kinds <kinds>', `comma-separated, default all: ${FAULT_KINDS.join(', ')}`)
    .option('--slow-ms <ms>', 'how long a slow answer takes (default 3000)')
    .option('--off', 'no more faults')
    .option('--json', 'the plan and the faults injected so far as JSON')
    .action(async (flags: { rate?: string; seed?: string; kinds?: string; slowMs?: string; off?: boolean; json?: boolean }) =>
      (await import('./commands/lab-faults.js')).labFaultsCommand(flags),
    );
  const scenario = lab
    .command('scenario <name>')
    .description(`set the lab to a scenario: ${SCENARIOS.slice(0, -1).join(', ')} or ${SCENARIOS[SCENARIOS.length - 1]}`)
    .addHelpText('after', `\nScenarios:\n${SCENARIO_REGISTRY.map((s) => `  ${s.name.padEnd(16)}${s.summary}`).join('\n')}`);
  // From the scenarios' own declarations (src/lab/scenarios/registry.ts).
  for (const option of scenarioCommandOptions()) scenario.option(option.flags, option.description, option.default);
  scenario.action(async (name: string, flags: Record<string, string | boolean>) => (await import('./commands/lab.js')).labScenarioCommand(name, flags));

  program
    .command('completion')
    .description('print the shell completion script (bash, zsh or fish); see novaops(1)')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: string) => (await import('./commands/completion.js')).completionCommand(shell, program));

  // The completion scripts call this back for the run ids: the state directory only, never the cloud.
  program
    .command('__complete-runs', { hidden: true })
    .action(async () => (await import('./commands/completion.js')).completeRunsCommand(configOf()));

  // `help <runbook>` prints the runbook's section of novaops(1); `help <command>` the command's help.
  program.helpCommand(false);
  program
    .command('help [topic...]')
    .description('a runbook\'s page (novaops help drp) or a command\'s help (novaops help transcripts replay)')
    .action(async (topic: string[]) => (await import('./commands/help.js')).helpCommand(topic, program));

  return program;
}

/**
 * The values an option takes, listed in its help and offered by completion. Commander's own
 * choices() would also refuse other values with its message; these options are checked by the
 * command, which names the problem in novaops' words.
 */
function listValues(option: Option, values: readonly string[]): Option {
  option.argChoices = [...values];
  return option;
}

/** Catches what commander would only call "unknown command" (or answer with usage) with the list of runbooks. */
function checkRunbookName(argv: string[]): void {
  const i = argv.indexOf('run');
  if (i < 0 || argv.slice(0, i).includes('help')) return;
  const id = argv[i + 1];
  const known = `known runbooks: ${catalogue.map((r) => r.id).join(', ')} (novaops list; novaops show <runbook>)`;
  if (id === '--help' || id === '-h') return;
  if (id === undefined || id.startsWith('-')) throw new UsageError('novaops run: which runbook?', `give one: novaops run <runbook> [options]; ${known}`);
  if (!findEntry(id)) throw new UsageError(`unknown runbook ${showValue(id)}`, known);
}

/** `novaops` with no command (global options only): the session on a terminal, the help otherwise. */
function bareSession(args: string[]): { config?: string; readOnly: boolean } | undefined {
  const found: { config?: string; readOnly: boolean } = { readOnly: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--read-only') found.readOnly = true;
    else if (args[i] === '--config' && args[i + 1] !== undefined) found.config = args[++i];
    else if (args[i].startsWith('--config=')) found.config = args[i].slice('--config='.length);
    else return undefined;
  }
  return found;
}

function clipLongWords(text: string): string {
  return text.replace(/\S{120,}/g, (word) => `${word.slice(0, 100)}… (${word.length} characters)`);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    const session = bareSession(argv.slice(2));
    if (session && (await import('./terminal.js')).isInteractiveTerminal()) {
      if (session.readOnly) process.env.NOVAOPS_READ_ONLY = '1';
      await (await import('./commands/session.js')).sessionCommand(session.config);
      return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
    }
    checkRunbookName(argv.slice(2));
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    process.stderr.write(`${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}
