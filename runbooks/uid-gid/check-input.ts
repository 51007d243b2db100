// What only the config can say about uid-gid's input, checked before the run exists (exit 2, no run
// directory): every name in --hosts must be a host of the config. Found by the audit step, it used
// to leave a run directory with status "refused" behind an exit 2.
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { hostsParam, type UidGidParams } from './params.js';

export async function checkHostsKnown(ctx: StepContext<UidGidParams>): Promise<void> {
  const known = ctx.hosts();
  const unknown = hostsParam(ctx.params).filter((h) => !known.includes(h));
  if (unknown.length === 0) return;
  throw new UsageError(
    `--hosts: unknown host${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the config knows: ${known.length ? known.join(', ') : 'none'}`,
    'give the compute hosts by their names under hosts: in the novaops config (add them there if they are missing)',
  );
}
