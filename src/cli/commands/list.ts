import { runbooks } from '../../../runbooks/index.js';

export function listCommand(): void {
  const width = Math.max(...runbooks.map((r) => r.id.length));
  for (const runbook of runbooks) process.stdout.write(`${runbook.id.padEnd(width)}  ${runbook.title}\n`);
}
