// Volume attachments as Nova keeps them (GET/POST /servers/{id}/os-volume_attachments): which
// volume a server has at which device, and the attach itself. The attachments a volume lists in
// Cinder's own answer are part of the volume's shape (volumes.ts); Cinder's attachment records
// (/attachments, volume API 3.27+) belong here when a runbook reads them.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import { atMicroversion, nullableString, pick, type ReadApi } from './request.js';
import { serverPath } from './servers.js';

/**
 * None: at Nova's base 2.1 the attach takes volumeId and device, and the answer carries id,
 * serverId, volumeId and device, which is all that is read. (2.89 answers attachment_id and
 * bdm_uuid instead of id: a move to it changes the shape here.)
 */
export const ATTACHMENTS_MICROVERSION: string | undefined = undefined;

export interface ServerVolumeAttachment {
  id: string;
  serverId: string;
  volumeId: string;
  device: string | null;
}

const attachmentJson = z.object({ id: z.string(), serverId: z.string(), volumeId: z.string(), device: nullableString });

export const parseServerAttachments = (body: unknown): ServerVolumeAttachment[] => pick('volumeAttachments', z.array(attachmentJson))(body);
export const parseServerAttachment = (body: unknown): ServerVolumeAttachment => pick('volumeAttachment', attachmentJson)(body);

function attachmentsPath(serverId: string): string {
  return `${serverPath(serverId)}/os-volume_attachments`;
}

export function listServerVolumeAttachments(id: string): ReadApi<ServerVolumeAttachment[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: attachmentsPath(id),
    ...atMicroversion(ATTACHMENTS_MICROVERSION),
    parse: parseServerAttachments,
    summary: `list volumes attached to server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'volume', 'list', id]),
  };
}

export function attachVolume(serverId: string, volumeId: string, device?: string): ApiOperation<ServerVolumeAttachment> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: attachmentsPath(serverId),
    body: { volumeAttachment: { volumeId, ...(device ? { device } : {}) } },
    ...atMicroversion(ATTACHMENTS_MICROVERSION),
    okStatus: [200],
    parse: parseServerAttachment,
    summary: `attach volume ${volumeId} to server ${serverId}${device ? ` at ${device}` : ''}`,
    mutating: true,
    target: { instance: serverId, volume: volumeId },
    command: posixCommand(['openstack', 'server', 'add', 'volume', serverId, volumeId, ...(device ? ['--device', device] : [])]),
  };
}
