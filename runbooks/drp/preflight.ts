// Step 0 (read-only): reach the databases and the APIs, find the instances the power loss left
// SHUTOFF and the volume attachments the database records. It only reads; what it finds is kept
// as facts for the steps after it (facts.ts).
import type { Step } from '../../src/engine/runbook.js';
import { listServers, showServer } from '../../src/operations/openstack/servers.js';
import { detectFlavour, readAttachments } from '../lib/schema-flavour.js';
import { affectedFact, flavourFact, type AffectedInstance } from './facts.js';
import type { DrpParams } from './params.js';

export const preflightStep: Step<DrpParams> = {
  id: 'preflight',
  title: 'Preflight: reach the databases and APIs, find the affected instances and their volumes',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const flavour = await detectFlavour(ctx);
    const scoped = ctx.scope.instance?.uuid;
    const servers = scoped ? [(await ctx.read(showServer(scoped))).value] : (await ctx.read(listServers({ allProjects: true }))).value;
    // A power loss leaves instances SHUTOFF; running ones are not touched, ERROR ones need reset-state.
    const affected: AffectedInstance[] = servers
      .filter((s) => s.status === 'SHUTOFF')
      .map((s) => ({ uuid: s.id, name: s.name, host: s.host ?? null, addresses: s.addresses.filter((a) => a.type !== 'floating').map((a) => a.addr) }));
    const inError = servers.filter((s) => s.status === 'ERROR');
    const attachments = await readAttachments(ctx, flavour, scoped);
    await flavourFact.set(ctx, flavour);
    await affectedFact.set(ctx, affected);
    const notes = [
      `schema flavour: ${flavour}`,
      `${servers.length} instance(s) seen, ${affected.length} SHUTOFF after the power loss (affected), ${servers.length - affected.length - inError.length} running or otherwise left alone`,
      `${attachments.length} volume attachment(s) recorded in the database`,
    ];
    if (inError.length > 0) {
      ctx.warn(`${inError.length} instance(s) in ERROR are left alone (reset their state first, then rerun): ${inError.slice(0, 10).map((s) => s.name).join(', ')}`);
    }
    if (scoped && affected.length === 0) ctx.warn(`instance ${scoped} is not SHUTOFF (${servers[0]?.status}); the rehearsal has nothing to recover`);
    return { items: [], notes };
  },
};
