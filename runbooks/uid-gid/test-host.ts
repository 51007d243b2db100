// --test-host: the rehearsal changes one host; it must be one of --hosts and known to the config.
import { UsageError } from '../../src/engine/errors.js';
import type { ResolvedScope, StepContext } from '../../src/engine/runbook.js';
import { parseHostName } from '../../src/values/validate.js';
import { hostsParam, type UidGidParams } from './params.js';

export async function resolveTestHost(ctx: StepContext<UidGidParams>, ref: string): Promise<ResolvedScope> {
  const host = parseHostName(ref, '--test-host');
  const hosts = hostsParam(ctx.params);
  if (!hosts.includes(host)) {
    throw new UsageError(`--test-host: ${host} is not one of --hosts (${hosts.join(', ')})`, 'rehearse on one of the hosts the run covers');
  }
  if (!ctx.hosts().includes(host)) {
    throw new UsageError(`--test-host: unknown host '${host}'; the config knows: ${ctx.hosts().join(', ') || 'none'}`, 'give it by its name under hosts: in the novaops config');
  }
  return { kind: 'host', name: host };
}
