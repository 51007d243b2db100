// novaops(1), written at build time (bin/build-man.mjs → dist/novaops.1) from the commander program
// and the runbook catalogue: every command with its options, every runbook (the same section
// `novaops help <runbook>` prints), the exit codes.
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { catalogue } from '../../../runbooks/index.js';
import { allCommands, commandTree, type CommandNode } from '../completion/command-tree.js';
import { definitions, paragraph, type Definition, type Section } from './manual-blocks.js';
import { renderRoff, roffText } from './render-roff.js';
import { optionDefinition, runbookPage } from './runbook-page.js';

export const EXIT_STATUS: Definition[] = [
  { term: String(ExitCode.ok), text: 'done, every item of it; or planned (a dry-run whose guards all passed)' },
  { term: String(ExitCode.failed), text: 'a step or item failed; novaops resume finishes it' },
  {
    term: String(ExitCode.usage),
    text:
      'bad input, configuration or a damaged run directory, found before a run directory exists; nothing was changed or recorded. ' +
      'Input only the cloud can judge is checked then too: a host, instance, session or volume that names nothing, a database schema novaops does not know',
  },
  {
    term: String(ExitCode.refused),
    text:
      "refused: a guard failed, a configured host does not answer (a failed precondition, not bad input), another run holds the cloud's lock, " +
      'or an unfinished run must be resumed or abandoned first; ' +
      'also a dry-run that planned every step but found a guard that would stop a live run (marked "would be blocked by")',
  },
  { term: String(ExitCode.aborted), text: 'the operator answered no, or Ctrl-C (the run stops after the operations in flight and can be resumed)' },
  {
    term: String(ExitCode.heldBack),
    text: 'completed, with items held back on purpose (a guard, a recheck): each is named with why in the summary; the run is finished, not resumable: deal with them, then run again',
  },
];

function synopsis(node: CommandNode): string {
  return ['novaops', ...node.path, node.usage].filter(Boolean).join(' ');
}

function withoutHelp(node: CommandNode): Definition[] {
  return node.options.filter((o) => !o.names.includes('--help')).map(optionDefinition);
}

/** Every command but the runbooks under run (they have their own sections) and the bare groups. */
function commandsSection(root: CommandNode): Section {
  const items = allCommands(root).filter((c) => c.path.length > 0 && !(c.path[0] === 'run' && c.path.length > 1));
  return {
    heading: 'COMMANDS',
    blocks: items.flatMap((c) => {
      const options = withoutHelp(c);
      const text = c.path.length === 1 && c.path[0] === 'run' ? `${c.description}; see RUNBOOKS below` : c.description;
      return [definitions([{ term: synopsis(c), text }]), ...(options.length ? [definitions(options, true)] : [])];
    }),
  };
}

export function manPage(program: Command, version: string): string {
  const root = commandTree(program);
  const head = [
    `.TH NOVAOPS 1 "" "novaops ${roffText(version)}" "User Commands"`,
    // No hyphenation and ragged right: option names and run ids must read as typed.
    '.nh',
    '.ad l',
    '.SH NAME',
    `novaops \\- ${roffText(root.description)}`,
  ];
  const sections: Section[] = [
    {
      heading: 'SYNOPSIS',
      blocks: [paragraph('novaops [--config <path>] [--read-only] [command] [options]'), paragraph('novaops run <runbook> [options]')],
    },
    {
      heading: 'DESCRIPTION',
      blocks: [
        paragraph(
          'novaops runs the OpenStack Compute recovery procedures as ordered, guarded runbooks. Every runbook shows the exact plan before it touches anything (--dry-run), can rehearse on one instance or host, asks before each step that changes something, survives being killed (novaops resume) and leaves a transcript.',
        ),
        paragraph('Without a command, on a terminal, novaops opens the interactive session.'),
      ],
    },
    { heading: 'GLOBAL OPTIONS', blocks: [definitions(withoutHelp(root))] },
    commandsSection(root),
  ];
  const runbooks = catalogue.map((entry) => runbookPage(entry, program));
  const tail: Section[] = [
    { heading: 'EXIT STATUS', blocks: [paragraph('The same for every command:'), definitions(EXIT_STATUS)] },
    {
      heading: 'ENVIRONMENT',
      blocks: [
        definitions([
          { term: 'NOVAOPS_CONFIG', text: 'the novaops config file, when --config is not given' },
          { term: 'NOVAOPS_READ_ONLY', text: '1: a read-only session, as --read-only' },
          { term: 'OS_CLOUD, OS_*', text: 'the cloud and its credentials, as the openstack client reads them (clouds.yaml)' },
          { term: 'XDG_STATE_HOME', text: 'the state directory is $XDG_STATE_HOME/novaops (default ~/.local/state/novaops) unless state_dir is set in the config' },
        ]),
      ],
    },
    {
      heading: 'FILES',
      blocks: [
        definitions([
          { term: '~/.config/novaops/config.yaml', text: 'the novaops config: databases, hosts, ssh (with proxy_jump for a bastion), guests' },
          { term: '$XDG_STATE_HOME/novaops/runs/<run-id>/', text: "a run's state, journal, transcript, backups and rollback scripts" },
        ]),
      ],
    },
    { heading: 'SEE ALSO', blocks: [paragraph('ssh(1), ssh_config(5), openstack(1); novaops completion bash|zsh|fish for shell completion')] },
  ];
  return `${[
    ...head,
    ...sections.flatMap((s) => renderRoff(s, 'SH')),
    '.SH RUNBOOKS',
    ...runbooks.flatMap((s) => renderRoff(s, 'SS')),
    ...tail.flatMap((s) => renderRoff(s, 'SH')),
  ].join('\n')}\n`;
}
