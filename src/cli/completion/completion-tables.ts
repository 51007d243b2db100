// The command tree flattened into the few tables every completion script walks: per command path
// its subcommands, its options, the values of each option that takes one, and the values of its
// positional arguments. A value is a word list, or '@runs' / '@files' for what only the shell can
// know at completion time.
import { allCommands, runbookIds, type CommandNode, type ValueSource } from './command-tree.js';

export interface CompletionTables {
  /** Command path ('novaops', 'novaops run failed-node') → its subcommands. */
  subcommands: Map<string, string[]>;
  /** Command path → every spelling of its options. */
  options: Map<string, string[]>;
  /** 'path|--option' → its values; present for every option that takes a value (empty: free text). */
  optionValues: Map<string, string[]>;
  /** Command path → the values of its positional arguments. */
  argumentValues: Map<string, string[]>;
}

export const RUNS = '@runs';
export const FILES = '@files';

/** Words the scripts embed unquoted: anything else would need shell-specific quoting. */
const PLAIN_WORD = /^[A-Za-z0-9@_.:\/+-]+$/;

export function completionTables(root: CommandNode): CompletionTables {
  const topics = [...root.subcommands.map((c) => c.name), ...runbookIds()];
  const words = (source: ValueSource): string[] => {
    switch (source.kind) {
      case 'list':
        return source.values;
      case 'runs':
        return [RUNS];
      case 'files':
        return [FILES];
      case 'runbooks':
        return runbookIds();
      case 'topics':
        return topics;
      case 'free':
        return [];
    }
  };
  const tables: CompletionTables = { subcommands: new Map(), options: new Map(), optionValues: new Map(), argumentValues: new Map() };
  for (const command of allCommands(root)) {
    const at = pathKey(command);
    tables.subcommands.set(at, command.subcommands.map((c) => c.name));
    tables.options.set(at, command.options.flatMap((o) => o.names));
    for (const option of command.options) {
      if (option.value) for (const name of option.names) tables.optionValues.set(`${at}|${name}`, words(option.value));
    }
    if (command.arguments[0]) tables.argumentValues.set(at, words(command.arguments[0].value));
  }
  for (const table of Object.values(tables) as Map<string, string[]>[]) {
    for (const [key, list] of table) {
      for (const word of [...key.split(/[ |]/), ...list]) {
        if (!PLAIN_WORD.test(word)) throw new Error(`completion: ${JSON.stringify(word)} (at ${key}) needs quoting; command, option and value names are plain words`);
      }
    }
  }
  return tables;
}

/** 'novaops', 'novaops run', 'novaops run failed-node': never empty, which zsh cannot index by. */
export function pathKey(command: CommandNode): string {
  return ['novaops', ...command.path].join(' ');
}
