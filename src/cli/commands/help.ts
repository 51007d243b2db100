// `novaops help [topic...]`: a runbook's section of novaops(1) as text, or a command's help.
import type { Command } from 'commander';
import { UsageError } from '../../engine/errors.js';
import { showValue } from '../../values/show-value.js';
import { catalogue, findEntry } from '../../../runbooks/index.js';
import { renderRunbookText, runbookPage } from '../manual/runbook-page.js';

export function helpCommand(topic: string[], program: Command): void {
  const words = topic[0] === 'run' && topic.length > 1 ? topic.slice(1) : topic;
  const entry = words.length === 1 ? findEntry(words[0]) : undefined;
  if (entry) {
    process.stdout.write(renderRunbookText(runbookPage(entry, program)));
    return;
  }
  let command = program;
  for (const word of topic) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) {
      throw new UsageError(
        `no help on ${showValue(topic.join(' '))}`,
        `novaops help <command> (novaops --help lists them) or novaops help <runbook> (${catalogue.map((r) => r.id).join(', ')})`,
      );
    }
    command = sub;
  }
  command.outputHelp();
}
