// Does an iSCSI session belong to a volume? By its target name: the IQN of the volume's
// provider_location, or `...:volume-<id>` with the volume's id or Cinder's _name_id (after a
// migration the target keeps the name id), or nova-volume's `volume-%08x` of its numeric id.
import { sessionMatchesVolume, type IscsiSession } from '../../src/operations/iscsi-sessions.js';
import { iqnVolumePart } from '../../src/operations/iscsi.js';

export interface VolumeNames {
  providerIqn: string | null | undefined;
  nameIds: readonly string[];
}

export function sessionBelongs(session: Pick<IscsiSession, 'iqn'>, volume: VolumeNames): boolean {
  if (volume.providerIqn && session.iqn === volume.providerIqn) return true;
  const part = iqnVolumePart(session.iqn);
  if (part === undefined) return false;
  return volume.nameIds.some((id) => sessionMatchesVolume({ iqn: session.iqn, volumeId: part, transport: 'tcp', sessionId: 1, portal: '', tpgt: 1 }, id));
}
