// Step 0. "Instances can remain in an intermediate state, such as deleting." Find them — the
// instances named on the command line, or every instance whose task has not moved for the
// --stuck-for threshold — and show vm_state, task_state and updated_at of each before anything
// changes, with what will be done to it. Read-only; the table goes to the run directory too.
import { UsageError } from '../../src/engine/errors.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import type { OperationResult } from '../../src/operations/types.js';
import { CHANGES_BEFORE_MICROVERSION, findServer, listServers, novaTimestamp, type Server } from '../../src/operations/openstack/servers.js';
import { computeVersions, offers } from '../../src/operations/openstack/versions.js';
import { formatDuration } from '../lib/duration.js';
import { resolveInstanceRefs } from '../lib/instance-refs.js';
import { ageOf, entryOf, inIntermediateState, label, NAMED_MIN_STUCK_SECONDS, snapshotFact, type InstanceEntry, type ServerState, type Snapshot } from './facts.js';
import { stuckForSeconds, type ResetStateParams } from './params.js';
import { beforeTable, beforeTsv } from './table.js';

export const BEFORE_TSV = 'before-state.tsv';

export const showStateStep: Step<ResetStateParams> = {
  id: 'show-state',
  title: 'Show the state of each instance (vm_state, task_state, last change) and what will be done to it',
  changes: 'nothing in the cloud (read-only); writes before-state.tsv to the run directory',
  readOnly: true,
  async plan(ctx) {
    const p = ctx.params;
    const now = Date.now();
    const threshold = stuckForSeconds(p);
    const notes: string[] = [];
    let servers: ServerState[];
    let selection: Snapshot['selection'];
    if (threshold === undefined) {
      servers = await namedInstances(ctx, notes);
      selection = { kind: 'named', minStuckSeconds: NAMED_MIN_STUCK_SECONDS };
      notes.unshift(
        `${servers.length} instance(s) named; stuck = a task in progress (task_state set, or vm_state building) and no change to the instance for at least ${formatDuration(NAMED_MIN_STUCK_SECONDS)}`,
      );
    } else {
      servers = await stuckInstances(ctx, threshold, now, notes);
      selection = { kind: 'stuck-for', seconds: threshold };
      if (threshold < NAMED_MIN_STUCK_SECONDS) {
        ctx.warn(`--stuck-for ${p.stuckFor} is short: an instance whose task changed ${formatDuration(threshold)} ago may still be worked on by Nova (a migration, a reboot); resetting it interrupts that work`);
      }
    }
    const minSeconds = selection.kind === 'named' ? selection.minStuckSeconds : selection.seconds;
    const instances: InstanceEntry[] = servers.map((s) => entryOf(s, p, now, minSeconds));
    await snapshotFact.set(ctx, { takenAt: new Date(now).toISOString(), selection, instances });
    await ctx.artifacts.write(BEFORE_TSV, beforeTsv(instances, p.force));

    if (instances.length > 0) notes.push(...beforeTable(instances, p.force));
    const toReset = instances.filter((e) => e.stuck || p.force);
    const refused = instances.length - toReset.length;
    const deletes = toReset.filter((e) => e.delete).length;
    notes.push(
      instances.length === 0
        ? 'nothing to do: no instance is stuck'
        : `${toReset.length} of the ${instances.length} instance(s) ${selection.kind === 'named' ? 'named on the command line' : `found stuck for ${p.stuckFor} or more`} to reset${deletes ? `, ${deletes} of them then deleted` : ''}${refused ? `; ${refused} not stuck: refused unless --force` : ''}; the table is in ${BEFORE_TSV}`,
    );
    return { items: [], notes };
  },
};

/**
 * The instances named on the command line, each resolved to exactly one; in a rehearsal, only its
 * own. Checked before the run existed (check-input.ts); resolved again here: the cloud may have moved.
 */
async function namedInstances(ctx: StepContext<ResetStateParams>, notes: string[]): Promise<ServerState[]> {
  const { servers, duplicates } = await resolveInstanceRefs(ctx, ctx.params.instances);
  if (duplicates.length > 0) notes.push(`named more than once, reset once: ${duplicates.join(', ')}`);
  const scoped = ctx.scope.instance;
  if (!scoped) return servers;
  const own = servers.filter((s) => s.id === scoped.uuid);
  if (own.length === 0) {
    throw new UsageError(
      `--test-instance ${scoped.name ?? scoped.uuid} is not one of the instances named (${servers.map((s) => label({ name: s.name, uuid: s.id })).join(', ')})`,
      'rehearse on one of the instances you name: novaops run reset-state <instance> --test-instance <the same instance>',
    );
  }
  if (servers.length > 1) notes.push(`test mode: only ${label({ name: own[0].name, uuid: own[0].id })}; the ${servers.length - 1} other instance(s) named are left alone`);
  return own;
}

/** Every instance in an intermediate state whose record has not changed for `seconds`. */
async function stuckInstances(ctx: StepContext<ResetStateParams>, seconds: number, now: number, notes: string[]): Promise<ServerState[]> {
  const cutoff = new Date(now - seconds * 1000);
  const isStuck = (s: ServerState) => s.vmState !== 'deleted' && s.status !== 'DELETED' && inIntermediateState(s) && (ageOf(s, now) ?? -1) >= seconds;
  const scoped = ctx.scope.instance;
  if (scoped) {
    // A rehearsal reads its own instance only.
    const found = (await ctx.read(findServer(scoped.uuid))).value;
    if (!found || !isStuck(found)) {
      ctx.warn(`test mode: instance ${scoped.name ?? scoped.uuid} is ${found ? `not stuck for ${ctx.params.stuckFor} (${found.status}, task_state ${found.taskState ?? 'none'}, updated ${found.updatedAt ?? 'never'})` : 'gone'}; the rehearsal has nothing to reset`);
      return [];
    }
    notes.push(`test mode: only ${label({ name: found.name, uuid: found.id })} is looked at; its task has not moved for ${ctx.params.stuckFor} or more`);
    return [found];
  }
  let listed: OperationResult<Server[]>;
  let listedWhat: string;
  const changedBefore = `that the Compute API listed as unchanged since ${novaTimestamp(cutoff)} (changes-before), in every project`;
  const everything = 'that the Compute API listed, in every project (no changes-before here)';
  const doc = await ctx.tryRead(computeVersions());
  if (doc.ok && doc.value) {
    // The version document says whether changes-before (2.66) is there: asked for only then.
    const range = doc.value;
    if (offers(range, CHANGES_BEFORE_MICROVERSION)) {
      listed = await ctx.tryRead(listServers({ changedBefore: cutoff }));
      listedWhat = changedBefore;
    } else {
      ctx.warn(`the Compute API offers ${range.min} to ${range.max}, without changes-before (${CHANGES_BEFORE_MICROVERSION}): every server is listed and filtered here`);
      listed = await ctx.tryRead(listServers());
      listedWhat = everything;
    }
  } else {
    // A cloud whose document cannot be read: try changes-before, and list everything if it is refused.
    ctx.warn(`the Compute API version document could not be read (${doc.error ?? 'no answer'}): changes-before (${CHANGES_BEFORE_MICROVERSION}) is tried, and every server listed if it is refused`);
    listed = await ctx.tryRead(listServers({ changedBefore: cutoff }));
    listedWhat = changedBefore;
    if (!listed.ok && listed.status === 406) {
      listedWhat = everything;
      ctx.warn(`this cloud does not offer changes-before (compute microversion ${CHANGES_BEFORE_MICROVERSION}): every server is listed and filtered here`);
      listed = await ctx.tryRead(listServers());
    }
  }
  if (!listed.ok) {
    if (listed.status === 403) {
      throw new UsageError(
        `listing the servers of all projects was refused (${listed.error}): reset-state needs an admin account (os-resetState is admin-only too)`,
        'use the cloud\'s admin credentials (clouds.yaml / OS_* variables, novaops doctor)',
      );
    }
    throw new Error(`listing the servers failed: ${listed.error ?? 'unknown error'}`);
  }
  // Nova's filter is trusted for the size of the answer, not for its content: filtered again here.
  const all = listed.value ?? [];
  const stuck = all.filter(isStuck).sort((a, b) => (a.updatedAt ?? '').localeCompare(b.updatedAt ?? '') || a.id.localeCompare(b.id));
  notes.push(
    `--stuck-for ${ctx.params.stuckFor}: ${stuck.length} instance(s) in an intermediate state (task_state set, or vm_state building) whose record has not changed since ${novaTimestamp(cutoff)} (this machine's clock), of the ${all.length} ${listedWhat}`,
  );
  return stuck;
}
