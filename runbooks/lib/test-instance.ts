// --test-instance accepts an instance UUID or an exact name; anything else is refused before a
// single request is made, and a name must match exactly one instance. The value is echoed cut
// to about 100 characters (showValue): a pasted wall of text must not bury the message.
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { listServers, showServer } from '../../src/operations/openstack/servers.js';
import { showList, showValue } from '../../src/values/show-value.js';
import { isUuid, parseUuid } from '../../src/values/validate.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Format check only (no I/O): called by the CLI before anything runs. */
export function checkTestInstanceRef(ref: string): void {
  if (isUuid(ref) || NAME.test(ref)) return;
  throw new UsageError(
    `--test-instance: ${showValue(ref)} is neither an instance UUID nor an instance name`,
    'give the UUID or the exact name shown by `openstack server list --all-projects`',
  );
}

export async function resolveTestInstance(ctx: StepContext, ref: string): Promise<{ kind: 'instance'; uuid: string; name?: string }> {
  checkTestInstanceRef(ref);
  if (isUuid(ref)) {
    const uuid = parseUuid(ref, '--test-instance');
    const found = await ctx.tryRead(showServer(uuid));
    if (found.ok && found.value) return { kind: 'instance', uuid: found.value.id, name: found.value.name };
    if (found.status === 404) {
      throw new UsageError(`--test-instance: no instance ${ref} in this cloud (Nova answered 404)`, 'check the UUID with `openstack server list --all-projects`');
    }
    throw new UsageError(`--test-instance: could not look up instance ${ref}: ${found.error ?? 'unknown error'}`);
  }
  const escaped = ref.replace(/[.]/g, '\\.');
  const { value: servers } = await ctx.read(listServers({ allProjects: true, name: `^${escaped}$` }));
  const exact = servers.filter((s) => s.name === ref);
  if (exact.length === 1) return { kind: 'instance', uuid: exact[0].id, name: exact[0].name };
  if (exact.length === 0) {
    throw new UsageError(`--test-instance: no instance named ${showValue(ref)}`, 'check the name with `openstack server list --all-projects`, or pass its UUID');
  }
  throw new UsageError(
    `--test-instance: ${exact.length} instances are named ${showValue(ref)} (${showList(exact.map((s) => s.id))})`,
    'pass the UUID of the one to rehearse on',
  );
}
