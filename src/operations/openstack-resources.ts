// The shapes the runbooks work with, parsed from Nova and Cinder JSON (which spell things like
// "OS-EXT-SRV-ATTR:host"). Parsing is strict about what we rely on and ignores the rest.
import { z } from 'zod';

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

export interface ComputeService {
  id: string;
  host: string;
  zone: string | null;
  status: string;
  state: string;
  updatedAt: string | null;
  forcedDown: boolean;
  disabledReason: string | null;
}

const nullableString = z.string().nullish().transform((v) => v ?? null);

const serverJson = z.object({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  'OS-EXT-STS:vm_state': nullableString,
  'OS-EXT-STS:task_state': nullableString,
  'OS-EXT-STS:power_state': z.number().nullish(),
  'OS-EXT-SRV-ATTR:host': nullableString,
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
const serviceJson = z.object({
  id: z.union([z.string(), z.number()]),
  host: z.string(),
  zone: nullableString,
  status: z.string(),
  state: z.string(),
  updated_at: nullableString,
  forced_down: z.boolean().nullish(),
  disabled_reason: nullableString,
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
export const parseComputeServices = (body: unknown): ComputeService[] =>
  pick('services', z.array(serviceJson))(body).map((s) => ({
    id: String(s.id),
    host: s.host,
    zone: s.zone,
    status: s.status,
    state: s.state,
    updatedAt: s.updated_at,
    forcedDown: s.forced_down ?? false,
    disabledReason: s.disabled_reason,
  }));
