// The two volume bookkeeping layouts (modern Cinder + Nova BDMs, legacy nova-volume) behind one
// interface, so the Nova and Cinder handlers do not care which flavour the lab runs.
import { createHash } from 'node:crypto';
import type { CellDb } from '../lab-db.js';
import type { Ctx } from './context.js';

/** An instance as the API read it, with the cell its instance mapping names: every write about it goes there. */
export interface InstanceRow {
  cell: CellDb;
  id: number;
  uuid: string;
  display_name: string | null;
  vm_state: string | null;
  task_state: string | null;
  power_state: number | null;
  host: string | null;
  node: string | null;
  project_id: string | null;
  user_id: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  launched_at: Date | null;
  availability_zone: string | null;
  root_device_name: string | null;
  image_ref: string | null;
  key_name: string | null;
  hostname: string | null;
  vcpus: number | null;
  memory_mb: number | null;
  root_gb: number | null;
  ephemeral_gb: number | null;
}

export interface VolumeRef {
  id: string;
  delete_on_termination: boolean;
}

export interface NovaAttachmentView {
  device: string | null;
  id: string;
  serverId: string;
  volumeId: string;
}

export interface VolumeListOptions {
  projectId?: string;
  status?: string;
  name?: string;
  limit: number;
  marker?: string;
}

export interface VolumeBackend {
  volumesAttached(instances: InstanceRow[]): Promise<Map<string, VolumeRef[]>>;
  listAttachments(instance: InstanceRow): Promise<NovaAttachmentView[]>;
  /** Validates, reserves, records, and schedules completion; throws ApiError like Nova. */
  attach(ctx: Ctx, instance: InstanceRow, volumeId: string, device: string | undefined): Promise<NovaAttachmentView>;
  getVolume(ctx: Ctx, id: string): Promise<Record<string, unknown> | undefined>;
  /**
   * Evacuate's rebuild_block_device_mapping: each volume of the instance gets a new attachment
   * for `host` (the old one is deleted, the BDM points at the new one). Returns the targets the
   * host logs in to.
   */
  moveAttachments(inst: InstanceRow, host: string): Promise<string[]>;
  /**
   * The instance is deleted: every volume is detached (and deleted when delete_on_termination),
   * its BDMs go. Returns the targets its host had sessions to.
   */
  releaseVolumes(inst: InstanceRow): Promise<string[]>;
  listVolumes(ctx: Ctx, opts: VolumeListOptions): Promise<{ volumes: Record<string, unknown>[]; last?: string; full: boolean }>;
}

/** Next free virtio disk name, vdb upwards (vda is the root disk). */
export function pickDevice(used: Set<string>, requested: string | undefined, ignoreRequested: boolean): string {
  if (requested && !ignoreRequested && !used.has(requested)) return requested;
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const d = `/dev/vd${String.fromCharCode(c)}`;
    if (!used.has(d)) return d;
  }
  for (let c = 'a'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const d = `/dev/vda${String.fromCharCode(c)}`;
    if (!used.has(d)) return d;
  }
  throw new Error('no free device name');
}

export function reserveStatusMessage(volumeId: string, status: string, multiattach: boolean, requestId: string): string {
  const allowed = multiattach ? 'available or in-use or downloading' : 'available or downloading';
  return (
    `Invalid input received: Invalid volume: Volume ${volumeId} status must be ${allowed} to reserve, ` +
    `but the current status is ${status}. (HTTP 400) (Request-ID: ${requestId})`
  );
}

export function alreadyAttachedMessage(volumeId: string, instanceUuid: string): string {
  return `Invalid volume: volume ${volumeId} is already attached to instances: ${instanceUuid}`;
}

/** A per-volume CHAP secret, stable across the lab's runs so tests can look for it. */
export function chapSecret(volumeId: string): string {
  return `CHAP-${createHash('sha256').update(`lab-chap:${volumeId}`).digest('hex').slice(0, 20)}`;
}

export function connectionInfo(volumeId: string, iqn: string): Record<string, unknown> {
  return {
    driver_volume_type: 'iscsi',
    data: {
      target_discovered: false,
      target_iqn: iqn,
      target_portal: '127.0.0.1:3260',
      target_lun: 1,
      volume_id: volumeId,
      // As Cinder's LVM/iSCSI driver hands them out: the CHAP credentials travel in connection_info,
      // so every row backup of it holds a secret (kept 0600, never in a transcript or export).
      auth_method: 'CHAP',
      auth_username: `chap-${volumeId.slice(0, 8)}`,
      auth_password: chapSecret(volumeId),
      access_mode: 'rw',
      encrypted: false,
    },
    serial: volumeId,
  };
}

export function connector(host: string): Record<string, unknown> {
  return {
    platform: 'x86_64',
    os_type: 'linux',
    ip: '127.0.0.1',
    host,
    multipath: false,
    initiator: `iqn.1993-08.org.debian:01:${host}`,
    do_local_attach: false,
  };
}
