// Instances as an operator names them on the command line: a UUID or an exact name. The form is
// checked before anything is read (a typo'd UUID is named as one, not looked up as a name); each
// name must match exactly one instance, as --test-instance does. Every reference that does not
// resolve is reported at once, so that a list of ten with two typos is fixed in one go.
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { showList, showValue } from '../../src/values/show-value.js';
import { isUuid } from '../../src/values/validate.js';
import { findServer, listServers, type Server } from '../../src/operations/openstack/servers.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
/** Hex digits and dashes in roughly the 8-4-4-4-12 shape, or 32 hex digits: meant as a UUID. */
const UUID_ATTEMPT = [/^[0-9a-z]{6,10}-[0-9a-z]{3,5}-[0-9a-z]{3,5}-[0-9a-z]{3,5}-[0-9a-z]{9,15}$/i, /^[0-9a-f]{30,34}$/i, /^(?=(?:[^-]*-){3})[0-9a-f-]{28,}$/i];

/** Lookups one by one up to this many references; beyond, one listing of every server. */
const ONE_BY_ONE = 20;

/** What is wrong with the form of `ref`, or undefined when it is a UUID or a possible name. Pure. */
export function instanceRefProblem(ref: string): string | undefined {
  if (isUuid(ref)) return undefined;
  if (UUID_ATTEMPT.some((re) => re.test(ref))) return `${showValue(ref)} looks like a UUID but is not one (a UUID is 8-4-4-4-12 hexadecimal digits)`;
  if (NAME.test(ref)) return undefined;
  return `${showValue(ref)} is neither an instance UUID nor an instance name (names are taken as letters, digits, '.', '_' and '-'; give any other instance by its UUID)`;
}

/**
 * Each reference to exactly one instance, in the order given, duplicates (the same instance by
 * name and by UUID) once. A UsageError (exit 2) names every reference that did not resolve.
 */
export async function resolveInstanceRefs(ctx: StepContext, refs: readonly string[]): Promise<{ servers: Server[]; duplicates: string[] }> {
  const formProblems = refs.map(instanceRefProblem).filter((p): p is string => p !== undefined);
  if (formProblems.length > 0) throw new UsageError(formProblems.join('; '), 'give each instance as its UUID or its exact name (openstack server list --all-projects)');

  const uuids = [...new Set(refs.filter(isUuid).map((r) => r.toLowerCase()))];
  const names = [...new Set(refs.filter((r) => !isUuid(r)))];
  const byUuid = new Map<string, Server | null>();
  const byName = new Map<string, Server[]>();

  await ctx.mapLimit(uuids, async (uuid) => {
    const found = await ctx.tryRead(findServer(uuid));
    if (!found.ok) throw new Error(`could not look up instance ${uuid}: ${found.error ?? 'unknown error'}`);
    byUuid.set(uuid, found.value ?? null);
  });

  if (names.length > ONE_BY_ONE) {
    const all = (await ctx.read(listServers())).value;
    for (const name of names) byName.set(name, all.filter((s) => s.name === name));
  } else {
    await ctx.mapLimit(names, async (name) => {
      // Nova filters names with a regular expression; anchored, then compared exactly.
      const { value } = await ctx.read(listServers({ name: `^${name.replace(/[.]/g, '\\.')}$` }));
      byName.set(name, value.filter((s) => s.name === name));
    });
  }
  const problems: string[] = [];
  for (const ref of new Set(refs.map((r) => (isUuid(r) ? r.toLowerCase() : r)))) {
    if (isUuid(ref)) {
      if (!byUuid.get(ref)) problems.push(`no instance ${ref} in this cloud (Nova answered 404)`);
      continue;
    }
    const matches = byName.get(ref) ?? [];
    if (matches.length === 0) problems.push(`no instance named ${showValue(ref)}`);
    if (matches.length > 1) problems.push(`${matches.length} instances are named ${showValue(ref)} (${showList(matches.map((s) => s.id))})`);
  }
  if (problems.length > 0) {
    throw new UsageError(
      problems.join('; '),
      'check the names and UUIDs with `openstack server list --all-projects`; where several instances share a name, give the UUID of the one you mean',
    );
  }

  const servers: Server[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const ref of refs) {
    const server = isUuid(ref) ? byUuid.get(ref.toLowerCase())! : byName.get(ref)![0];
    if (seen.has(server.id)) {
      duplicates.push(ref);
      continue;
    }
    seen.add(server.id);
    servers.push(server);
  }
  return { servers, duplicates };
}
