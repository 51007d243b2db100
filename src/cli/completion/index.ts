// The completion script for one shell, built from the commander program.
import type { Command } from 'commander';
import { commandTree } from './command-tree.js';
import { completionTables } from './completion-tables.js';
import { bashScript } from './bash-script.js';
import { zshScript } from './zsh-script.js';
import { fishScript } from './fish-script.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, program: Command, version: string): string {
  const tree = commandTree(program);
  const tables = completionTables(tree);
  if (shell === 'bash') return bashScript(tables, version);
  if (shell === 'zsh') return zshScript(tables, version);
  return fishScript(tree, tables, version);
}
