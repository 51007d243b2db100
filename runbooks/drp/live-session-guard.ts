// Guard of step 2: no mapped volume may still have a live iSCSI session on its compute node.
// Resetting such a volume to available while its target is still exported lets it attach to a
// second instance and corrupt data. Those volumes are held back and named; the others go on.
import type { Guard, HeldBack } from '../../src/engine/runbook.js';
import { listSessionsOp, parseSessions, sessionMatchesVolume } from '../../src/operations/iscsi-sessions.js';
import type { DrpParams } from './facts.js';

export const liveSessionGuard: Guard<DrpParams> = {
  name: 'no live iSCSI session',
  describe: 'each mapped volume has no live iSCSI session on its compute node (`iscsiadm -m session` on every host); volumes that do are held back',
  async check(ctx, plan) {
    const byHost = new Map<string, typeof plan.items>();
    for (const item of plan.items) {
      const host = item.target.host ?? '(unknown host)';
      byHost.set(host, [...(byHost.get(host) ?? []), item]);
    }
    const known = new Set(ctx.hosts());
    const held: HeldBack[] = [];
    let sessionsSeen = 0;
    await ctx.mapLimit([...byHost.keys()], async (host) => {
      const items = byHost.get(host)!;
      if (!known.has(host)) {
        for (const item of items) {
          held.push({ key: item.key, reason: `its compute node ${host} is not in the novaops config (hosts:), so its iSCSI sessions cannot be checked; add the host to the config. This run ends with it held back and does not resume: reattach it by hand from its line in volume-map.tsv once it is checked` });
        }
        return;
      }
      const result = await ctx.tryRead(listSessionsOp(host));
      if (!result.ok) {
        for (const item of items) held.push({ key: item.key, reason: `could not list iSCSI sessions on ${host}: ${result.error}` });
        return;
      }
      const sessions = parseSessions(result.stdout ?? '');
      sessionsSeen += sessions.length;
      for (const item of items) {
        const volume = item.target.volume!;
        const live = sessions.find((s) => sessionMatchesVolume(s, volume));
        if (live) {
          held.push({
            key: item.key,
            reason: `volume ${volume} still has live iSCSI session [${live.sessionId}] ${live.iqn} on ${host}; free it first with \`novaops run iscsi-cleanup\` (iscsiadm -m session -u -r ${live.sessionId}). This run ends with it held back and does not resume: then reattach it by hand from its line in volume-map.tsv`,
          });
        }
      }
    });
    const hosts = byHost.size;
    return {
      ok: true,
      detail: `checked ${hosts} compute node(s), ${sessionsSeen} live session(s) found; ${held.length} volume attachment(s) held back`,
      holdBack: held,
    };
  },
};
