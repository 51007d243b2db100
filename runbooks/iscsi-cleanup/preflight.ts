// Step 0 of iscsi-cleanup, read-only: the host is known, the schema flavour, the host's sessions
// (`iscsiadm -m session`, the real format; "No active sessions." with exit 21 is an empty list),
// the volume (by --volume, or by the target name of --session N), the sessions of that volume on
// the host, and the attachments whose DB state the run resets. Whatever the operator named that
// does not exist stops the run here (exit 2), before anything changed.
import { UsageError } from '../../src/engine/errors.js';
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { listSessionsOp, parseSessionOutput, type IscsiSession } from '../../src/operations/iscsi-sessions.js';
import { iqnVolumePart } from '../../src/operations/iscsi.js';
import { showServer } from '../../src/operations/openstack/servers.js';
import { showVolume } from '../../src/operations/openstack/volumes.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { targetFact, type CleanupTarget } from './facts.js';
import { sessionBelongs } from './match.js';
import { sessionParam, type IscsiCleanupParams } from './params.js';
import { readVolume, type VolumeRecord } from './volume-db.js';

const listed = (sessions: readonly IscsiSession[]) =>
  sessions.length === 0 ? 'it has no iSCSI session' : `its sessions: ${sessions.slice(0, 12).map((s) => `[${s.sessionId}] ${s.iqn}`).join(', ')}${sessions.length > 12 ? ', ...' : ''}`;

/** The host's sessions, read now; a host that does not answer stops the run before anything changed. */
export async function hostSessions(ctx: StepContext<IscsiCleanupParams>, host: string): Promise<{ sessions: IscsiSession[]; rejected: string[] }> {
  const result = await ctx.tryRead(listSessionsOp(host));
  if (!result.ok) {
    throw new UsageError(`could not list the iSCSI sessions on ${host}: ${result.error ?? 'failed'}`, `check that ${host} is up and reachable (novaops doctor), then run again`);
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
    const p = ctx.params;
    const host = p.host!;
    const known = ctx.hosts();
    if (!known.includes(host)) {
      throw new UsageError(
        `--host: unknown host '${host}'; the config knows: ${known.length ? known.join(', ') : 'none'}`,
        'give the compute node by its Nova name: under hosts: in the novaops config, or, without hosts:, as the Compute API lists it (openstack hypervisor list --long, its service host)',
      );
    }
    const flavour = await detectFlavour(ctx);
    const { sessions, rejected } = await hostSessions(ctx, host);
    for (const r of rejected) ctx.warn(`${host}: a session line that does not validate was left out: ${r}`);

    const sid = sessionParam(p);
    const named = sid === undefined ? undefined : sessions.find((s) => s.sessionId === sid);
    if (sid !== undefined && !named) {
      throw new UsageError(`--session ${sid}: there is no iSCSI session [${sid}] on ${host}; ${listed(sessions)}`, `pick one from iscsiadm -m session on ${host}, or give --volume <id> to find its sessions`);
    }

    let volume: VolumeRecord | undefined;
    const db = flavour === 'nova-volume' ? 'nova' : 'cinder';
    if (p.volume !== undefined) {
      volume = await readVolume(ctx, flavour, { id: p.volume });
      if (!volume) {
        throw new UsageError(
          `--volume ${p.volume}: no such volume in the ${db} database (schema flavour ${flavour}${flavour === 'nova-volume' ? ': volume ids are numbers' : ': volume ids are UUIDs'})`,
          'check the id with: openstack volume list --all-projects (or give --session N from iscsiadm -m session on the host)',
        );
      }
    } else {
      const part = iqnVolumePart(named!.iqn);
      if (part === undefined) {
        throw new UsageError(
          `--session ${sid}: its target ${named!.iqn} does not name an OpenStack volume (…:volume-<id>)`,
          'give the volume too with --volume <id>, or log this session out by hand if it is not a volume of this cloud',
        );
      }
      volume = await readVolume(ctx, flavour, { iqnPart: part });
      if (!volume) {
        throw new UsageError(
          `--session ${sid}: its target ${named!.iqn} names volume ${part}, which the ${db} database does not have (schema flavour ${flavour})`,
          'give the volume with --volume <id> if you know it; a session to a deleted volume is logged out by hand: iscsiadm -m session -r N -u',
        );
      }
    }

    const names = { providerIqn: volume.providerIqn ?? null, nameIds: volume.nameIds };
    const ofVolume = sessions.filter((s) => sessionBelongs(s, names));
    let toFree: IscsiSession[];
    if (named) {
      const others = ofVolume.filter((s) => s.sessionId !== named.sessionId);
      if (sessionBelongs(named, names) && others.length > 0) {
        throw new UsageError(
          `--session ${sid}: volume ${volume.id} has ${ofVolume.length} sessions on ${host} (${ofVolume.map((s) => `[${s.sessionId}] ${s.portal}`).join(', ')}, one per portal); logging out only [${sid}] would leave it in use`,
          `give --volume ${volume.id} instead: every session of the volume is then logged out, each by its own id`,
        );
      }
      toFree = [named];
    } else {
      toFree = ofVolume;
    }

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
        pairs.push({ volumeId: volume.id, instanceUuid: a.instanceUuid });
      } else {
        elsewhere.push({ instanceUuid: a.instanceUuid, host: on ?? 'an unknown host' });
      }
    }
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

    const notes = [
      `schema flavour: ${flavour}`,
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
