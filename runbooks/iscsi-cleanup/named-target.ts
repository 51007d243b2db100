// What the operator named, found in the cloud: the host of the config, the session on that host,
// the volume in the databases, and which of the host's sessions are that volume's. Every name
// that finds nothing is a UsageError (exit 2). The runbook's checkInput calls this before the run
// exists; the preflight calls it again on its own reads, because the cloud may change in between.
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import type { IscsiSession } from '../../src/operations/iscsi-sessions.js';
import { iqnVolumePart } from '../../src/operations/iscsi.js';
import type { SchemaFlavour } from '../lib/schema-flavour.js';
import type { Cell } from '../../src/operations/cells.js';
import { sessionBelongs } from './match.js';
import { sessionParam, type IscsiCleanupParams } from './params.js';
import { readVolume, type VolumeRecord } from './volume-db.js';

export interface NamedTarget {
  /** The session of --session, when given. */
  named: IscsiSession | undefined;
  volume: VolumeRecord;
  /** The host's sessions whose target is this volume's. */
  ofVolume: IscsiSession[];
  /** The sessions to log out: the one named, or every one of the volume. */
  toFree: IscsiSession[];
}

const listed = (sessions: readonly IscsiSession[]) =>
  sessions.length === 0 ? 'it has no iSCSI session' : `its sessions: ${sessions.slice(0, 12).map((s) => `[${s.sessionId}] ${s.iqn}`).join(', ')}${sessions.length > 12 ? ', ...' : ''}`;

/** --host must be a host of the config (or, without hosts:, one the Compute API lists). */
export function checkHostKnown(ctx: StepContext<IscsiCleanupParams>, host: string): void {
  const known = ctx.hosts();
  if (known.includes(host)) return;
  throw new UsageError(
    `--host: unknown host '${host}'; the config knows: ${known.length ? known.join(', ') : 'none'}`,
    'give the compute node by its Nova name: under hosts: in the novaops config, or, without hosts:, as the Compute API lists it (openstack hypervisor list --long, its service host)',
  );
}

/** The session and the volume the options name, among `sessions` (the host's, read by the caller). */
export async function findNamedTarget(ctx: StepContext<IscsiCleanupParams>, flavour: SchemaFlavour, hostCell: Cell, sessions: readonly IscsiSession[]): Promise<NamedTarget> {
  const p = ctx.params;
  const host = p.host!;
  const sid = sessionParam(p);
  const named = sid === undefined ? undefined : sessions.find((s) => s.sessionId === sid);
  if (sid !== undefined && !named) {
    throw new UsageError(`--session ${sid}: there is no iSCSI session [${sid}] on ${host}; ${listed(sessions)}`, `pick one from iscsiadm -m session on ${host}, or give --volume <id> to find its sessions`);
  }

  let volume: VolumeRecord | undefined;
  const db = flavour === 'nova-volume' ? 'nova' : 'cinder';
  if (p.volume !== undefined) {
    volume = await readVolume(ctx, flavour, hostCell, { id: p.volume });
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
    volume = await readVolume(ctx, flavour, hostCell, { iqnPart: part });
    if (!volume) {
      throw new UsageError(
        `--session ${sid}: its target ${named!.iqn} names volume ${part}, which the ${db} database does not have (schema flavour ${flavour})`,
        'give the volume with --volume <id> if you know it; a session to a deleted volume is logged out by hand: iscsiadm -m session -r N -u',
      );
    }
  }

  const names = { providerIqn: volume.providerIqn ?? null, nameIds: volume.nameIds };
  const ofVolume = sessions.filter((s) => sessionBelongs(s, names));
  if (!named) return { named, volume, ofVolume, toFree: ofVolume };
  const others = ofVolume.filter((s) => s.sessionId !== named.sessionId);
  if (sessionBelongs(named, names) && others.length > 0) {
    throw new UsageError(
      `--session ${sid}: volume ${volume.id} has ${ofVolume.length} sessions on ${host} (${ofVolume.map((s) => `[${s.sessionId}] ${s.portal}`).join(', ')}, one per portal); logging out only [${sid}] would leave it in use`,
      `give --volume ${volume.id} instead: every session of the volume is then logged out, each by its own id`,
    );
  }
  return { named, volume, ofVolume, toFree: [named] };
}
