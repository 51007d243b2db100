// Who answers the engine's confirmations: the operator at a terminal (@inquirer/prompts),
// --yes, or nobody (no terminal and no --yes: refuse rather than guess).
import { UsageError } from '../engine/errors.js';
import { assumeYes, type Prompter } from '../engine/prompter.js';

const terminalPrompter: Prompter = {
  async confirm(question, details) {
    const { confirm } = await import('@inquirer/prompts');
    for (const line of details) process.stdout.write(`    ${line}\n`);
    try {
      const answer = await confirm({ message: question, default: false });
      return { answer, how: 'operator' };
    } catch (error) {
      // Ctrl-C at the question is a no, not a crash.
      if (error instanceof Error && error.name === 'ExitPromptError') return { answer: false, how: 'operator (Ctrl-C)' };
      throw error;
    }
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
