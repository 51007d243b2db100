// The command line as data, read from the commander program itself: what completion offers and
// what the man page lists. A command added to the program is completed and documented without
// touching this code.
import type { Argument, Command, Option } from 'commander';
import { catalogue } from '../../../runbooks/index.js';

/** Where the values of an option or a positional argument come from. */
export type ValueSource =
  | { kind: 'list'; values: string[] }
  /** Run ids in the state directory (`novaops __complete-runs`). */
  | { kind: 'runs' }
  | { kind: 'runbooks' }
  | { kind: 'files' }
  /** Commands and runbooks: `novaops help <topic>`. */
  | { kind: 'topics' }
  /** Free text: nothing to offer. */
  | { kind: 'free' };

export interface OptionNode {
  /** Every spelling: ['-y', '--yes']. */
  names: string[];
  /** The syntax as help shows it: '-y, --yes' or '--method <method>'. */
  flags: string;
  description: string;
  /** Absent for a switch. */
  value?: ValueSource;
}

export interface ArgumentNode {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
  value: ValueSource;
}

export interface CommandNode {
  /** The words that lead here: [] for novaops itself, ['run', 'drp'], ['transcripts', 'show']. */
  path: string[];
  name: string;
  description: string;
  /** The synopsis after the command's words, as commander's usage: '[options] <run-id>'. */
  usage: string;
  options: OptionNode[];
  arguments: ArgumentNode[];
  subcommands: CommandNode[];
}

export function commandTree(program: Command): CommandNode {
  return node(program, []);
}

/** Every node, depth first, novaops itself first. */
export function allCommands(root: CommandNode): CommandNode[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

export function runbookIds(): string[] {
  return catalogue.map((entry) => entry.id);
}

function node(command: Command, path: string[]): CommandNode {
  const help = command.createHelp();
  return {
    path,
    name: command.name(),
    description: command.description(),
    usage: command.usage(),
    options: help.visibleOptions(command).map(optionNode),
    // visibleArguments() lists none unless one has a description: these are all of them.
    arguments: command.registeredArguments.map(argumentNode),
    // commander's implicit `<group> help [command]` is left out: `novaops help` covers it, and
    // `novaops run help` would read as a runbook named help.
    subcommands: help
      .visibleCommands(command)
      .filter((sub) => !(path.length > 0 && sub.name() === 'help'))
      .map((sub) => node(sub, [...path, sub.name()])),
  };
}

function optionNode(option: Option): OptionNode {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined);
  const takesValue = option.required || option.optional;
  return { names, flags: option.flags, description: option.description, value: takesValue ? optionValues(option) : undefined };
}

function optionValues(option: Option): ValueSource {
  if (option.argChoices) return { kind: 'list', values: [...option.argChoices] };
  if (/<(path|file)>/.test(option.flags)) return { kind: 'files' };
  return { kind: 'free' };
}

/** A positional argument's values follow from its name: a run-id is a run id wherever it appears. */
function argumentNode(argument: Argument): ArgumentNode {
  const name = argument.name();
  let value: ValueSource = { kind: 'free' };
  if (argument.argChoices) value = { kind: 'list', values: [...argument.argChoices] };
  else if (name === 'run-id') value = { kind: 'runs' };
  else if (name === 'runbook') value = { kind: 'runbooks' };
  else if (name === 'topic') value = { kind: 'topics' };
  return { name, required: argument.required, variadic: argument.variadic, description: argument.description, value };
}
