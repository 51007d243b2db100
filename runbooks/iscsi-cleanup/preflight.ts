// Step 0 of iscsi-cleanup, read-only: the host is known, the schema flavour, the host's sessions
// (`iscsiadm -m session`, the real format; "No active sessions." with exit 21 is an empty list),
// the volume (by --volume, or by the target name of --session N), the sessions of that volume on
// the host, and the attachments whose DB state the run resets. What the operator named was found
// before the run existed (check-input.ts); a host that does not answer is a failed precondition
// (exit 3), not bad input: the operator named a real host. With cells v2, the host's cell (and
// each attached instance's, from nova_api) is where the Nova rows are read and changed; a cell
// that must be changed and does not answer stops the run (exit 3), any other is left alone.
import { RefusedError } from '../../src/engine/errors.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { listSessionsOp, parseSessionOutput, type IscsiSession } from '../../src/operations/iscsi-sessions.js';
import { showServer } from '../../src/operations/openstack/servers.js';
import { showVolume } from '../../src/operations/openstack/volumes.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { cellOfHost, refuseUnreachable } from '../lib/cells.js';
import { showList } from '../../src/values/show-value.js';
import { targetFact, type CleanupTarget } from './facts.js';
import { checkHostKnown, findNamedTarget } from './named-target.js';
import type { IscsiCleanupParams } from './params.js';

/** The host's sessions, read now; a host that does not answer stops the run before anything changed. */
export async function hostSessions(ctx: StepContext<IscsiCleanupParams>, host: string): Promise<{ sessions: IscsiSession[]; rejected: string[] }> {
  const result = await ctx.tryRead(listSessionsOp(host));
  if (!result.ok) {
    throw new RefusedError(`could not list the iSCSI sessions on ${host}: ${result.error ?? 'failed'}`, `check that ${host} is up and reachable (novaops doctor), then run again`);
  }
  const { sessions, rejected } = parseSessionOutput(result.stdout ?? '');
  return { sessions, rejected: rejected.map((r) => `${r.line} (${r.reason})`) };
}

export const preflightStep: Step<IscsiCleanupParams> = {
  id: 'preflight',
  title: 'Preflight: the host, its iSCSI sessions, the volume and its attachments',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const host = ctx.params.host!;
    // Checked before the run existed too (check-input.ts); read again here: the cloud may have moved.
    checkHostKnown(ctx, host);
    const cell = await cellOfHost(ctx, host);
    const flavour = await detectFlavour(ctx, [cell]);
    const { sessions, rejected } = await hostSessions(ctx, host);
    for (const r of rejected) ctx.warn(`${host}: a session line that does not validate was left out: ${r}`);
    const { volume, toFree } = await findNamedTarget(ctx, flavour, cell, sessions);
    for (const name of volume.unread) ctx.warn(`cell ${name} does not answer (${ctx.cells.unreachable[name]}): the block device mappings of volume ${volume.id}'s instances there were not read`);

    // Who holds the volume: the databases' rows, and the Volume API (which may know more).
    const instances = new Set(volume.attachments.map((a) => a.instanceUuid));
    const api = await ctx.tryRead(showVolume(volume.id));
    if (api.ok && api.value) for (const a of api.value.attachments) instances.add(a.serverId);
    else ctx.warn(`could not read volume ${volume.id} from the Volume API (${api.error ?? 'no answer'}); its attachments come from the databases only`);

    const pairs: CleanupTarget['pairs'] = [];
    const elsewhere: CleanupTarget['elsewhere'] = [];
    for (const a of volume.attachments) {
      const server = await ctx.tryRead(showServer(a.instanceUuid));
      const on = server.ok && server.value ? server.value.host : server.status === 404 ? null : a.attachedHost;
      if (server.status === 404 || on === host || (on === null && (a.attachedHost === null || a.attachedHost === host))) {
        pairs.push({ volumeId: volume.id, instanceUuid: a.instanceUuid, cell: a.cell });
      } else {
        elsewhere.push({ instanceUuid: a.instanceUuid, host: on ?? 'an unknown host' });
      }
    }
    // Each pair's mapping row is changed in its instance's cell, which must answer.
    refuseUnreachable(ctx, ctx.cells.cells.filter((c) => pairs.some((x) => x.cell === c.name)), `volume ${volume.id}'s block device mappings are in it`);
    const bootOf = volume.attachments.filter((a) => a.bootIndex === 0 && pairs.some((x) => x.instanceUuid === a.instanceUuid)).map((a) => a.instanceUuid);

    const target: CleanupTarget = {
      host,
      flavour,
      volumeId: volume.id,
      volumeName: volume.name,
      volumeStatus: volume.status,
      attachStatus: volume.attachStatus,
      providerIqn: volume.providerIqn ?? null,
      nameIds: volume.nameIds,
      sessions: toFree.map((s) => ({ sessionId: s.sessionId, iqn: s.iqn, portal: s.portal })),
      pairs,
      instances: [...instances],
      elsewhere,
      bootOf,
    };
    await targetFact.set(ctx, target);

    const cells = [...new Set(pairs.map((x) => x.cell ?? cell.name))];
    const notes = [
      `schema flavour: ${flavour}`,
      ...(ctx.cells.mapped ? [`${host} is in cell ${cell.name} (${cell.where}); Nova rows changed in cell ${cells.length ? showList(cells) : 'none'}, no other`] : []),
      `volume ${volume.id}${volume.name ? ` (${volume.name})` : ''}: ${volume.status}/${volume.attachStatus}, attached in the databases to ${volume.attachments.length ? volume.attachments.map((a) => a.instanceUuid).join(', ') : 'no instance'}`,
      `${host}: ${sessions.length} iSCSI session(s); to free: ${toFree.length ? toFree.map((s) => `[${s.sessionId}] ${s.portal} ${s.iqn}`).join(', ') : `none (no session of volume ${volume.id} on ${host})`}`,
      `DB state to reset: ${pairs.length ? pairs.map((x) => `${x.volumeId} on ${x.instanceUuid}`).join(', ') : 'no attachment row on this host'}`,
    ];
    if (toFree.length === 0) ctx.warn(`volume ${volume.id} has no iSCSI session on ${host}: nothing to log out; only its DB state is reset`);
    for (const e of elsewhere) {
      ctx.warn(`volume ${volume.id} is also attached to ${e.instanceUuid} on ${e.host}: that attachment is left alone (the volume stays in-use while it exists)`);
    }
    return { items: [], notes };
  },
};
