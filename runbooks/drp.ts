// drp — Recover cloud after disaster (power loss).
// Source: Compute admin guide §5.4.14.4 "Recover cloud after disaster" (seeds/002) and
// "Nova Disaster Recovery Process" (seeds/003). The guide: do not add any steps or change the
// order of steps in this procedure. Steps 1-5 below are its five; step 0 only reads.
import { z } from 'zod';
import type { Runbook, Step } from '../src/engine/runbook.js';
import { listServers, showServer } from '../src/operations/openstack/servers.js';
import { resolveTestInstance } from './lib/test-instance.js';
import { liveSessionGuard } from './drp/live-session-guard.js';
import { captureMapStep } from './drp/capture-map.js';
import { reattachStep } from './drp/reattach.js';
import { rebootStep } from './drp/reboot.js';
import { cleanStep } from './drp/clean-db.js';
import { sshRebootStep } from './drp/ssh-reboot.js';
import { detectFlavour, readAttachments } from './lib/schema-flavour.js';
import { affectedFact, flavourFact, type AffectedInstance, type DrpParams } from './drp/facts.js';
import { catalogueFields } from './index.js';

const params = z.object({ sshReboot: z.boolean().default(false) }).strict();

const preflight: Step<DrpParams> = {
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

export const drp: Runbook<DrpParams> = {
  ...catalogueFields('drp'),
  version: '1.0.0',
  params,
  resolveTestScope: resolveTestInstance,
  steps: [
    preflight,
    captureMapStep,
    { ...cleanStep, guards: [liveSessionGuard] },
    rebootStep,
    reattachStep,
    sshRebootStep,
  ],
};

export default drp;
