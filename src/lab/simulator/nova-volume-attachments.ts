// GET/POST /servers/{id}/os-volume_attachments. The rules (instance state, volume existence,
// the BDM "already attached" refusal, the volume status check) are Nova's and Cinder's.
import type { Ctx, Reply } from './context.js';
import { fault } from './http-util.js';
import { findInstance } from './nova-servers.js';
import { ALLOW_ATTACH } from './state-map.js';
import type { VolumeBackend } from './volume-backend.js';

export async function listVolumeAttachments(ctx: Ctx, backend: VolumeBackend, id: string): Promise<Reply> {
  const inst = await findInstance(ctx, id);
  return { status: 200, body: { volumeAttachments: await backend.listAttachments(inst) } };
}

export async function attachVolume(ctx: Ctx, backend: VolumeBackend, id: string): Promise<Reply> {
  const req = (ctx.body as any)?.volumeAttachment;
  const volumeId = req?.volumeId;
  if (!req || typeof volumeId !== 'string' || volumeId === '') {
    throw fault(400, "Invalid input for field/attribute volumeAttachment. Value: None. 'volumeId' is a required property");
  }
  ctx.sim.stats.attach(volumeId);
  const device = req.device;
  if (device !== undefined && device !== null && (typeof device !== 'string' || !/^\/dev\/[a-z]+[a-z0-9]*$/.test(device))) {
    throw fault(400, `The supplied device path (${device}) is invalid.`);
  }
  const inst = await findInstance(ctx, id);
  if (inst.task_state !== null) {
    throw fault(409, `Cannot 'attach_volume' instance ${inst.uuid} while it is in task_state ${inst.task_state}`);
  }
  if (!ALLOW_ATTACH.includes(inst.vm_state ?? '')) {
    throw fault(409, `Cannot 'attach_volume' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  }
  const view = await backend.attach(ctx, inst, volumeId, device ?? undefined);
  return { status: 200, body: { volumeAttachment: view } };
}
