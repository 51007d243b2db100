// Guards of iscsi-cleanup, evaluated right before each step that changes something (invariant 2).
import type { Guard } from '../../src/engine/runbook.js';
import { showServer } from '../../src/operations/openstack/servers.js';
import { targetFact } from './facts.js';
import { sessionBelongs } from './match.js';
import type { IscsiCleanupParams } from './params.js';
import { hostSessions } from './preflight.js';

/** Nova's power_state RUNNING. */
const RUNNING = 1;

export const notRunningGuard: Guard<IscsiCleanupParams> = {
  name: 'not attached to a running instance',
  describe:
    'no instance the volume is attached to (databases and Volume API) is running in Nova (status ACTIVE or power state running), read from the Compute API now; --allow-running overrides it',
  async check(ctx) {
    const t = targetFact.require(ctx);
    const running: string[] = [];
    for (const uuid of t.instances) {
      const r = await ctx.tryRead(showServer(uuid));
      if (r.status === 404) continue;
      if (!r.ok || !r.value) return { ok: false, detail: `could not read instance ${uuid} from the Compute API (${r.error ?? 'no answer'}); it may be running` };
      if (r.value.status === 'ACTIVE' || r.value.powerState === RUNNING) running.push(`${r.value.name} (${uuid}, ${r.value.status} on ${r.value.host ?? 'no host'})`);
    }
    if (running.length === 0) {
      return { ok: true, detail: t.instances.length ? `none of ${t.instances.length} instance(s) holding volume ${t.volumeId} is running` : `volume ${t.volumeId} is attached to no instance` };
    }
    if (ctx.params.allowRunning) {
      return { ok: true, detail: `--allow-running: going ahead although volume ${t.volumeId} is attached to running ${running.join(', ')}` };
    }
    return {
      ok: false,
      detail: `volume ${t.volumeId} is attached to running ${running.join(', ')}: freeing its session under a running guest loses its writes; stop the instance first, or say so with --allow-running`,
    };
  },
};

export const sessionBelongsGuard: Guard<IscsiCleanupParams> = {
  name: 'the session belongs to the volume',
  describe: 'each session to free is still on the host (iscsiadm -m session, read now) with the target it had, and that target names the volume (provider_location IQN, volume-<id>, volume-%08x)',
  async check(ctx) {
    const t = targetFact.require(ctx);
    if (t.sessions.length === 0) return { ok: true, detail: `no session of volume ${t.volumeId} on ${t.host}` };
    const { sessions } = await hostSessions(ctx, t.host);
    const problems: string[] = [];
    const present: string[] = [];
    for (const s of t.sessions) {
      const now = sessions.find((x) => x.sessionId === s.sessionId);
      if (!now) continue;
      if (now.iqn !== s.iqn) problems.push(`session [${s.sessionId}] on ${t.host} is now to ${now.iqn}, not ${s.iqn} (the id was reused)`);
      else if (!sessionBelongs(now, t)) problems.push(`session [${s.sessionId}] is to ${now.iqn}, which does not name volume ${t.volumeId}${t.providerIqn ? ` (its target is ${t.providerIqn})` : ''}`);
      else present.push(`[${s.sessionId}] ${now.iqn}`);
    }
    if (problems.length > 0) return { ok: false, detail: `${problems.join('; ')}; check the session and the volume, then run again` };
    return { ok: true, detail: present.length ? `${present.join(', ')} on ${t.host}: volume ${t.volumeId}` : `the session(s) of volume ${t.volumeId} are already gone from ${t.host}` };
  },
};

export const notBootVolumeGuard: Guard<IscsiCleanupParams> = {
  name: 'not a boot volume',
  describe: "the volume is not the boot volume (boot_index 0) of the instance whose attachment is reset: an instance boots from it",
  async check(ctx) {
    const t = targetFact.require(ctx);
    return t.bootOf.length === 0
      ? { ok: true, detail: `volume ${t.volumeId} is no instance's boot volume` }
      : { ok: false, detail: `volume ${t.volumeId} is the boot volume of ${t.bootOf.join(', ')}; its DB state is never reset (rebuild or rescue the instance instead)` };
  },
};
