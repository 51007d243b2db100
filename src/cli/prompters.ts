// Who answers the engine's confirmations: the operator at a terminal (@inquirer/prompts),
// --yes, or nobody (no terminal and no --yes: refuse rather than guess).
import { UsageError } from '../engine/errors.js';
import { assumeYes, type Prompter } from '../engine/prompter.js';

const terminalPrompter: Prompter = {
  async confirm(question, details) {
    const { confirm } = await import('@inquirer/prompts');
    for (const line of details) process.stdout.write(`    ${line}\n`);
    const answer = await confirm({ message: question, default: false });
    return { answer, how: 'operator' };
  },
};

const noTerminal: Prompter = {
  async confirm(question) {
    throw new UsageError(
      `confirmation needed but there is no terminal to ask on: "${question}"`,
      'rerun on a terminal, or with --yes to confirm every step (guards still apply)',
    );
  },
};

export function choosePrompter(options: { yes: boolean; interactive: boolean }): Prompter {
  if (options.yes) return assumeYes;
  return options.interactive ? terminalPrompter : noTerminal;
}
