// Scenario power-loss: the state the guide's disaster recovery starts from. Every compute node
// lost power; instances are SHUTOFF, Cinder and Nova still believe volumes are attached, and no
// host has iSCSI sessions any more (unless liveSession keeps exactly one, to test the guard).
import { writeFile } from 'node:fs/promises';
import type { LabDb } from '../lab-db.js';
import { labPaths } from '../paths.js';
import { volumeIqn, writeSessionTable } from '../sessions-file.js';
import { legacyVolumeName } from '../simulator/volume-backend-legacy.js';
import type { CellCount, CellName } from '../cells.js';
import type { LabInfo } from '../types.js';
import { cellOf, scenarioLayout, writeCellLayout, type CellLayout, type ScenarioCell } from './cell-layout.js';
import { libvirtXml, writeInstanceXml } from './libvirt-xml.js';
import { planPowerLoss, type PowerLossOptions, type PowerLossPlan } from './power-loss-plan.js';
import { resetLabData } from './reset-data.js';
import { writeCommon } from './write-common.js';
import { writeLegacy } from './write-legacy.js';
import { modernVolumeName, writeModern } from './write-modern.js';

export interface AttachedPair {
  volume: string;
  instance: string;
  device: string;
  host: string;
  attachmentId: string | null;
}

export interface PowerLossSummary {
  name: 'power-loss';
  flavour: LabInfo['flavour'];
  seed: number;
  counts: { instances: number; volumes: number };
  hosts: string[];
  /** The mapped cells (cell0 first) with their schema and compute hosts. */
  cells: ScenarioCell[];
  instances: { uuid: string; name: string; host: string; cell: CellName; projectId: string; role: string; vmState: string; address: string }[];
  /** Every (data volume, instance) attachment the recovery must restore; includes multiattach pairs. */
  attached: AttachedPair[];
  /** Instances with attached data volumes (drp reboots every SHUTOFF instance; these are among them). */
  affectedInstances: string[];
  bootVolumes: AttachedPair[];
  errorDeleting: string[];
  detached: string[];
  multiattach: { volume: string; attachments: AttachedPair[] } | null;
  liveSessionVolume: { volume: string; instance: string; host: string; device: string; sid: number } | null;
  errorInstances: string[];
  activeInstances: string[];
  noVolumeInstances: string[];
  bootFromVolumeInstances: string[];
}

export async function applyPowerLoss(info: LabInfo, db: LabDb, opts: PowerLossOptions, cellCount: CellCount = 1): Promise<PowerLossSummary> {
  const layout = scenarioLayout(info, cellCount);
  const plan = planPowerLoss(info.flavour, info.hosts, opts);
  const now = new Date();
  await resetLabData(info, db);
  const cells = await writeCellLayout(db, layout, plan.instances);
  await writeCommon(db, plan.instances, info.hosts, now, layout);
  if (info.flavour === 'modern') await writeModern(db, plan, now, layout);
  else await writeLegacy(db, plan, now);

  const volName = (id: string) => (info.flavour === 'modern' ? modernVolumeName(id) : legacyVolumeName(Number(id)));
  const exported = plan.volumes.filter((v) => v.attachments.length > 0).map((v) => volumeIqn(volName(v.id)));
  await writeFile(labPaths(info.dir).iscsiTargets, exported.map((l) => l + '\n').join(''));

  let liveSid: number | undefined;
  if (plan.liveSession) {
    [liveSid] = await writeSessionTable(info.dir, plan.liveSession.host, [volumeIqn(volName(plan.liveSession.volume))]);
  }
  await writeXmls(info, plan, volName);
  const summary = summarize(info, plan, liveSid, cells, layout);
  await writeFile(labPaths(info.dir).scenarioJson, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

async function writeXmls(info: LabInfo, plan: PowerLossPlan, volName: (id: string) => string): Promise<void> {
  const volById = new Map(plan.volumes.map((v) => [v.id, v]));
  const jobs = plan.instances.map((inst) => {
    const disks = inst.volumes
      .map((id) => volById.get(id)!)
      .filter((v) => v.role !== 'boot')
      .map((v) => ({ device: v.attachments.find((a) => a.instance === inst.uuid)!.device, volumeName: volName(v.id) }));
    const bootVol = inst.volumes.map((id) => volById.get(id)!).find((v) => v.role === 'boot');
    const allDisks = bootVol ? [{ device: '/dev/vda', volumeName: volName(bootVol.id) }, ...disks] : disks;
    return () => writeInstanceXml(info.dir, inst, libvirtXml(inst, allDisks, Boolean(bootVol)));
  });
  for (let i = 0; i < jobs.length; i += 64) await Promise.all(jobs.slice(i, i + 64).map((j) => j()));
}

function summarize(info: LabInfo, plan: PowerLossPlan, liveSid: number | undefined, cells: ScenarioCell[], layout: CellLayout): PowerLossSummary {
  const pairs = (role: string) =>
    plan.volumes
      .filter((v) => v.role === role)
      .flatMap((v) =>
        v.attachments.map((a) => ({
          volume: v.id,
          instance: a.instance,
          device: a.device,
          host: a.host,
          attachmentId: info.flavour === 'modern' ? a.attachmentId : null,
        })),
      );
  const multi = plan.volumes.find((v) => v.role === 'multiattach');
  const byRole = (role: string) => plan.instances.filter((i) => i.role === role).map((i) => i.uuid);
  const attached = [...pairs('attached'), ...pairs('multiattach')];
  return {
    name: 'power-loss',
    flavour: info.flavour,
    seed: plan.seed,
    counts: { instances: plan.instances.length, volumes: plan.volumes.length },
    hosts: info.hosts,
    cells,
    instances: plan.instances.map((i) => ({
      uuid: i.uuid,
      name: i.name,
      host: i.host,
      cell: cellOf(layout, i.host),
      projectId: i.projectId,
      role: i.role,
      vmState: i.vmState,
      address: i.address,
    })),
    attached,
    affectedInstances: [...new Set(attached.map((p) => p.instance))],
    bootVolumes: pairs('boot'),
    errorDeleting: plan.volumes.filter((v) => v.role === 'error-deleting').map((v) => v.id),
    detached: plan.volumes.filter((v) => v.role === 'detached').map((v) => v.id),
    multiattach: multi ? { volume: multi.id, attachments: pairs('multiattach') } : null,
    liveSessionVolume: plan.liveSession && liveSid !== undefined ? { ...plan.liveSession, sid: liveSid } : null,
    errorInstances: byRole('error'),
    activeInstances: byRole('active'),
    noVolumeInstances: byRole('no-volume'),
    bootFromVolumeInstances: byRole('boot-from-volume'),
  };
}
