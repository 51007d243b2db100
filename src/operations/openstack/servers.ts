// The shapes the runbooks work with, parsed from Nova and Cinder JSON (which spell things like
// "OS-EXT-SRV-ATTR:host"). Parsing is strict about what we rely on and ignores the rest.
import { z } from 'zod';
import { parseServiceList, type ComputeServiceState } from './os-services.js';

export interface Server {
  id: string;
  name: string;
  status: string;
  vmState: string | null;
  taskState: string | null;
  powerState: number | null;
  host: string | null;
  addresses: { addr: string; type: 'fixed' | 'floating' | string; network: string }[];
  /** Volume ids, from os-extended-volumes:volumes_attached. */
  volumesAttached: string[];
  /** When the instance record last changed (Nova's `updated`, ISO 8601), or null if not given. */
  updatedAt: string | null;
  /** OS-EXT-SRV-ATTR:hypervisor_hostname */
  node: string | null;
  /** The image id, or null when the server boots from a volume (Nova answers image ""). */
  imageId: string | null;
  metadata: Record<string, string>;
  projectId: string | null;
  userId: string | null;
  /** The fault Nova recorded (code and message), when it is in ERROR. */
  fault: string | null;
}

export interface VolumeAttachmentInfo {
  serverId: string;
  attachmentId: string | null;
  device: string | null;
  hostName: string | null;
}

export interface Volume {
  id: string;
  name: string | null;
  status: string;
  multiattach: boolean;
  bootable: boolean;
  attachments: VolumeAttachmentInfo[];
}

export interface ServerVolumeAttachment {
  id: string;
  serverId: string;
  volumeId: string;
  device: string | null;
}

export interface InstanceAction {
  action: string;
  requestId: string;
  startTime: string;
  message: string | null;
}

/** A nova-compute service: up/down, enabled, forced down (one shape, from compute-services.ts). */
export type ComputeService = ComputeServiceState;

const nullableString = z.string().nullish().transform((v) => v ?? null);

const serverJson = z.object({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  'OS-EXT-STS:vm_state': nullableString,
  'OS-EXT-STS:task_state': nullableString,
  'OS-EXT-STS:power_state': z.number().nullish(),
  'OS-EXT-SRV-ATTR:host': nullableString,
  'OS-EXT-SRV-ATTR:hypervisor_hostname': nullableString,
  updated: nullableString,
  image: z.union([z.string(), z.object({ id: z.string() }).passthrough()]).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  tenant_id: nullableString,
  user_id: nullableString,
  fault: z.object({ message: z.string().nullish(), code: z.number().nullish() }).passthrough().nullish(),
  addresses: z
    .record(z.string(), z.array(z.object({ addr: z.string(), 'OS-EXT-IPS:type': z.string().nullish() })))
    .nullish(),
  'os-extended-volumes:volumes_attached': z.array(z.object({ id: z.string() })).nullish(),
});

function toServer(s: z.infer<typeof serverJson>): Server {
  return {
    id: s.id,
    name: s.name ?? '',
    status: s.status,
    vmState: s['OS-EXT-STS:vm_state'],
    taskState: s['OS-EXT-STS:task_state'],
    powerState: s['OS-EXT-STS:power_state'] ?? null,
    host: s['OS-EXT-SRV-ATTR:host'],
    addresses: Object.entries(s.addresses ?? {}).flatMap(([network, list]) =>
      list.map((a) => ({ addr: a.addr, type: a['OS-EXT-IPS:type'] ?? 'fixed', network })),
    ),
    volumesAttached: (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id),
    updatedAt: s.updated,
    node: s['OS-EXT-SRV-ATTR:hypervisor_hostname'],
    imageId: typeof s.image === 'object' && s.image !== null ? s.image.id : null,
    metadata: s.metadata ?? {},
    projectId: s.tenant_id,
    userId: s.user_id,
    fault: s.fault ? [s.fault.code, s.fault.message].filter((x) => x !== undefined && x !== null).join(' ') || null : null,
  };
}

const volumeJson = z.object({
  id: z.string(),
  name: nullableString,
  status: z.string(),
  multiattach: z.boolean().nullish(),
  // Cinder sends bootable as the string "true"/"false".
  bootable: z.union([z.boolean(), z.string()]).nullish(),
  attachments: z
    .array(
      z.object({
        server_id: z.string(),
        attachment_id: nullableString,
        device: nullableString,
        host_name: nullableString,
      }),
    )
    .nullish(),
});

function toVolume(v: z.infer<typeof volumeJson>): Volume {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    multiattach: v.multiattach ?? false,
    bootable: v.bootable === true || v.bootable === 'true',
    attachments: (v.attachments ?? []).map((a) => ({
      serverId: a.server_id,
      attachmentId: a.attachment_id,
      device: a.device,
      hostName: a.host_name,
    })),
  };
}

const attachmentJson = z.object({ id: z.string(), serverId: z.string(), volumeId: z.string(), device: nullableString });
const actionJson = z.object({
  action: z.string(),
  request_id: z.string(),
  start_time: z.string(),
  message: nullableString,
});

function pick<S extends z.ZodType>(key: string, schema: S) {
  return (body: unknown): z.infer<S> => {
    const wrapper = z.object({ [key]: schema }).safeParse(body);
    if (!wrapper.success) {
      const issue = wrapper.error.issues[0];
      throw new Error(`${[...issue.path].map(String).join('.') || key}: ${issue.message}`);
    }
    return (wrapper.data as Record<string, z.infer<S>>)[key];
  };
}

export const parseServers = (body: unknown): Server[] => pick('servers', z.array(serverJson))(body).map(toServer);
export const parseServer = (body: unknown): Server => toServer(pick('server', serverJson)(body));
export const parseVolumes = (body: unknown): Volume[] => pick('volumes', z.array(volumeJson))(body).map(toVolume);
export const parseVolume = (body: unknown): Volume => toVolume(pick('volume', volumeJson)(body));
export const parseServerAttachments = (body: unknown): ServerVolumeAttachment[] =>
  pick('volumeAttachments', z.array(attachmentJson))(body);
export const parseServerAttachment = (body: unknown): ServerVolumeAttachment => pick('volumeAttachment', attachmentJson)(body);
export const parseInstanceActions = (body: unknown): InstanceAction[] =>
  pick('instanceActions', z.array(actionJson))(body).map((a) => ({
    action: a.action,
    requestId: a.request_id,
    startTime: a.start_time,
    message: a.message,
  }));
export const parseComputeServices = parseServiceList;
