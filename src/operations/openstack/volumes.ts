// Pure builders of the API operations the runbooks use. No I/O: each returns a value the runner
// executes (or only records, in dry-run), with the `openstack` command an operator would type.
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import {
  parseComputeServices,
  parseInstanceActions,
  parseServer,
  parseServerAttachment,
  parseServerAttachments,
  parseServers,
  parseVolume,
  parseVolumes,
  type ComputeService,
  type InstanceAction,
  type Server,
  type ServerVolumeAttachment,
  type Volume,
} from './servers.js';

export type { ComputeService, InstanceAction, Server, ServerVolumeAttachment, Volume, VolumeAttachmentInfo } from './servers.js';

const pageSize = 500;
const seg = encodeURIComponent;

type ReadApi<T> = ApiOperation<T> & { mutating: false };

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Always across all projects: a recovery concerns every tenant's servers. */
export function listServers(opts: { host?: string; name?: string; status?: string; allProjects?: true } = {}): ReadApi<Server[]> {
  const filters = [opts.host && `host ${opts.host}`, opts.name && `name ${opts.name}`, opts.status && `status ${opts.status}`].filter(Boolean);
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/detail${query({ all_tenants: '1', host: opts.host, name: opts.name, status: opts.status })}`,
    paginate: { collection: 'servers', pageSize },
    parse: parseServers,
    summary: `list servers${filters.length ? ` (${filters.join(', ')})` : ''}`,
    mutating: false,
    target: opts.host ? { host: opts.host } : {},
    command: posixCommand([
      'openstack', 'server', 'list', '--all-projects', '--long',
      ...(opts.host ? ['--host', opts.host] : []),
      ...(opts.name ? ['--name', opts.name] : []),
      ...(opts.status ? ['--status', opts.status] : []),
    ]),
  };
}

export function showServer(id: string): ReadApi<Server> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/${seg(id)}`,
    parse: parseServer,
    summary: `show server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'show', id]),
  };
}

export function rebootServer(id: string, type: 'HARD' | 'SOFT' = 'HARD'): ApiOperation<void> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'POST',
    path: `/servers/${seg(id)}/action`,
    body: { reboot: { type } },
    okStatus: [202],
    parse: () => undefined,
    summary: `${type === 'HARD' ? 'hard' : 'soft'}-reboot server ${id}`,
    mutating: true,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'reboot', type === 'HARD' ? '--hard' : '--soft', id]),
  };
}

export function listServerVolumeAttachments(id: string): ReadApi<ServerVolumeAttachment[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/${seg(id)}/os-volume_attachments`,
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
    path: `/servers/${seg(serverId)}/os-volume_attachments`,
    body: { volumeAttachment: { volumeId, ...(device ? { device } : {}) } },
    okStatus: [200],
    parse: parseServerAttachment,
    summary: `attach volume ${volumeId} to server ${serverId}${device ? ` at ${device}` : ''}`,
    mutating: true,
    target: { instance: serverId, volume: volumeId },
    command: posixCommand(['openstack', 'server', 'add', 'volume', serverId, volumeId, ...(device ? ['--device', device] : [])]),
  };
}

export function listInstanceActions(id: string): ReadApi<InstanceAction[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `/servers/${seg(id)}/os-instance-actions`,
    parse: parseInstanceActions,
    summary: `list actions of server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'event', 'list', id]),
  };
}

export function listComputeServices(): ReadApi<ComputeService[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: '/os-services?binary=nova-compute',
    parse: parseComputeServices,
    summary: 'list nova-compute services',
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'compute', 'service', 'list', '--service', 'nova-compute']),
  };
}

/** Always across all projects, like listServers. */
export function listVolumes(opts: { allProjects?: true; status?: string } = {}): ReadApi<Volume[]> {
  return {
    kind: 'api',
    service: 'volumev3',
    method: 'GET',
    path: `/volumes/detail${query({ all_tenants: '1', status: opts.status })}`,
    paginate: { collection: 'volumes', pageSize },
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
    parse: parseVolume,
    summary: `show volume ${id}`,
    mutating: false,
    target: { volume: id },
    command: posixCommand(['openstack', 'volume', 'show', id]),
  };
}
