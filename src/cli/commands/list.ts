import { catalogue } from '../../../runbooks/index.js';

export function listCommand(): void {
  const width = Math.max(...catalogue.map((r) => r.id.length));
  for (const entry of catalogue) process.stdout.write(`${entry.id.padEnd(width)}  ${entry.title}\n`);
}
