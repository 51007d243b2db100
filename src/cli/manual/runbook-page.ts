// A runbook's section of novaops(1), also printed by `novaops help <runbook>`: its title, what it
// does, the guide it follows, how to call it and every option `novaops run <id>` accepts, read
// from the commander program (the common run flags and the runbook's own).
import type { Command } from 'commander';
import type { CatalogueEntry } from '../../../runbooks/index.js';
import { commandTree, type CommandNode, type OptionNode } from '../completion/command-tree.js';
import { definitions, paragraph, type Definition, type Section } from './manual-blocks.js';
import { renderText } from './render-text.js';

export function runbookPage(entry: CatalogueEntry, program: Command): Section {
  const node = runNode(commandTree(program), entry.id);
  const syntax = (a: CommandNode['arguments'][number]) => (a.required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`);
  const args: Definition[] = node.arguments.map((a) => ({ term: syntax(a), text: a.description }));
  const usage = ['novaops run', entry.id, ...node.arguments.map(syntax), '[options]'];
  return {
    heading: entry.id,
    blocks: [
      paragraph(`${entry.title}: ${entry.summary}.`),
      paragraph(`Reference: ${entry.reference}.`),
      paragraph(`Usage: ${usage.join(' ')}`),
      ...(args.length ? [definitions(args)] : []),
      definitions(node.options.filter((o) => !o.names.includes('--help')).map(optionDefinition)),
    ],
  };
}

export function optionDefinition(option: OptionNode): Definition {
  const values = option.value?.kind === 'list' ? ` (one of: ${option.value.values.join(', ')})` : '';
  return { term: option.flags, text: `${option.description}${values}` };
}

/** What `novaops help <runbook>` prints. */
export function renderRunbookText(section: Section): string {
  return renderText([section]);
}

function runNode(root: CommandNode, id: string): CommandNode {
  const node = root.subcommands.find((c) => c.name === 'run')?.subcommands.find((c) => c.name === id);
  if (!node) throw new Error(`runbook ${id} is not a subcommand of novaops run`);
  return node;
}
