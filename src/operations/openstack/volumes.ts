// Cinder volumes (volume API v3): the shape the runbooks work with, with the attachments Cinder
// lists for each volume, and the list and show requests.
import { z } from 'zod';
import { posixCommand } from '../posix-quote.js';
import { atMicroversion, nullableString, pick, query, seg, type ReadApi } from './request.js';

/** None: Cinder's base 3.0 answer (status, multiattach, bootable, attachments) is all that is read. */
export const VOLUMES_MICROVERSION: string | undefined = undefined;

const pageSize = 500;

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

/** Strict about what the runbooks rely on, and ignores the rest. */
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

export const parseVolumes = (body: unknown): Volume[] => pick('volumes', z.array(volumeJson))(body).map(toVolume);
export const parseVolume = (body: unknown): Volume => toVolume(pick('volume', volumeJson)(body));

/** Always across all projects, like listServers; `allProjects` says so at the call. */
export function listVolumes(opts: { allProjects?: true; status?: string } = {}): ReadApi<Volume[]> {
  return {
    kind: 'api',
    service: 'volumev3',
    method: 'GET',
    path: `/volumes/detail${query({ all_tenants: '1', status: opts.status })}`,
    paginate: { collection: 'volumes', pageSize },
    ...atMicroversion(VOLUMES_MICROVERSION),
    parse: parseVolumes,
    summary: `list volumes${opts.status ? ` (status ${opts.status})` : ''}`,
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'volume', 'list', '--all-projects', '--long', ...(opts.status ? ['--status', opts.status] : [])]),
  };
}

export function showVolume(id: string): ReadApi<Volume> {
  return {
    kind: 'api',
    service: 'volumev3',
    method: 'GET',
    path: `/volumes/${seg(id)}`,
    ...atMicroversion(VOLUMES_MICROVERSION),
    parse: parseVolume,
    summary: `show volume ${id}`,
    mutating: false,
    target: { volume: id },
    command: posixCommand(['openstack', 'volume', 'show', id]),
  };
}
