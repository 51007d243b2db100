// Rows every flavour shares: instances, their network info cache, their create actions, and
// the nova services. Kept apart from the volume bookkeeping, which is what flavours differ in.
import { randomUUID } from 'node:crypto';
import type { LabDb } from '../lab-db.js';
import { bulkInsert } from './bulk-insert.js';
import type { PlanInstance } from './power-loss-plan.js';

export const IMAGE_REF = '9f3c2b1a-8e7d-4c6b-a5f4-e3d2c1b0a987';

export function instanceRows(instances: PlanInstance[], now: Date): Record<string, unknown>[] {
  return instances.map((i) => ({
    id: i.n,
    created_at: i.createdAt,
    updated_at: now,
    deleted: 0,
    uuid: i.uuid,
    user_id: i.userId,
    project_id: i.projectId,
    image_ref: i.role === 'boot-from-volume' ? '' : IMAGE_REF,
    hostname: i.name,
    display_name: i.name,
    display_description: i.name,
    launch_index: 0,
    key_name: 'ops',
    vm_state: i.vmState,
    task_state: null,
    power_state: i.powerState,
    memory_mb: 512,
    vcpus: 1,
    root_gb: i.role === 'boot-from-volume' ? 0 : 1,
    ephemeral_gb: 0,
    host: i.host,
    node: i.host,
    launched_on: i.host,
    launched_at: i.createdAt,
    instance_type_id: 1,
    reservation_id: `r-${i.uuid.slice(0, 8)}`,
    availability_zone: 'nova',
    root_device_name: '/dev/vda',
    locked: 0,
    shutdown_terminate: 0,
    disable_terminate: 0,
    cleaned: 0,
    hidden: 0,
  }));
}

export function infoCacheRows(instances: PlanInstance[], now: Date): Record<string, unknown>[] {
  return instances.map((i) => ({
    created_at: i.createdAt,
    updated_at: now,
    deleted: 0,
    instance_uuid: i.uuid,
    network_info: JSON.stringify([
      {
        id: randomUUID(),
        address: i.mac,
        type: 'bridge',
        devname: `tap${i.uuid.slice(0, 11)}`,
        active: true,
        network: {
          id: '5e8f0c2a-1b3d-4f6a-9c8e-7d6b5a4f3e21',
          label: 'private',
          bridge: 'br100',
          subnets: [
            {
              cidr: '127.0.0.0/8',
              gateway: { address: '127.0.0.1', type: 'gateway', version: 4 },
              ips: [{ address: i.address, type: 'fixed', version: 4, floating_ips: [] }],
            },
          ],
        },
      },
    ]),
  }));
}

export async function writeCommon(db: LabDb, instances: PlanInstance[], hosts: string[], now: Date): Promise<void> {
  await bulkInsert(db.pool, db.nova('instances'), instanceRows(instances, now));
  await bulkInsert(db.pool, db.nova('instance_info_caches'), infoCacheRows(instances, now));
  await bulkInsert(
    db.pool,
    db.nova('instance_actions'),
    instances.map((i) => ({
      created_at: i.createdAt,
      deleted: 0,
      action: 'create',
      instance_uuid: i.uuid,
      request_id: `req-${randomUUID()}`,
      user_id: i.userId,
      project_id: i.projectId,
      start_time: i.createdAt,
      finish_time: i.createdAt,
    })),
  );
  const services = [
    ...hosts.map((h) => ({ host: h, binary: 'nova-compute', topic: 'compute' })),
    { host: 'controller', binary: 'nova-scheduler', topic: 'scheduler' },
    { host: 'controller', binary: 'nova-conductor', topic: 'conductor' },
  ];
  await bulkInsert(
    db.pool,
    db.nova('services'),
    services.map((s) => ({
      created_at: new Date(Date.UTC(2025, 0, 6)),
      updated_at: now,
      deleted: 0,
      host: s.host,
      binary: s.binary,
      topic: s.topic,
      report_count: 1,
      disabled: 0,
      disabled_reason: null,
      last_seen_up: now,
      forced_down: 0,
      version: 66,
      uuid: randomUUID(),
    })),
  );
}
