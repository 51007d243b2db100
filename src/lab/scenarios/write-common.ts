// Rows every flavour shares: instances, their network info cache, metadata and create actions,
// the nova services and compute nodes, and Placement (a resource provider per compute node, its
// inventory, and every instance's allocation on its host's provider, as Nova's scheduler claims
// it). Kept apart from the volume bookkeeping, which is what flavours differ in. Nova's rows go to
// the cell of their host (cell-layout.ts): each cell has its own services, compute nodes and ids,
// and its own nova-conductor; the scheduler is cell1's. Placement is one for the whole cloud.
import { randomUUID } from 'node:crypto';
import type { CellDb, LabDb } from '../lab-db.js';
import { uuidFromText } from '../placement-db.js';
import { bulkInsert } from './bulk-insert.js';
import { cellOf, computeCells, type CellLayout } from './cell-layout.js';
import { hostAddress } from './libvirt-xml.js';
import { isBootFromVolume, type PlanInstance } from './power-loss-plan.js';

export const IMAGE_REF = '9f3c2b1a-8e7d-4c6b-a5f4-e3d2c1b0a987';

export function instanceRows(instances: PlanInstance[], now: Date): Record<string, unknown>[] {
  return instances.map((i) => ({
    id: i.n,
    created_at: i.createdAt,
    updated_at: i.updatedAt ?? now,
    deleted: 0,
    uuid: i.uuid,
    user_id: i.userId,
    project_id: i.projectId,
    image_ref: isBootFromVolume(i) ? '' : IMAGE_REF,
    hostname: i.name,
    display_name: i.name,
    display_description: i.name,
    launch_index: 0,
    key_name: 'ops',
    vm_state: i.vmState,
    task_state: i.taskState ?? null,
    power_state: i.powerState,
    memory_mb: 512,
    vcpus: 1,
    root_gb: isBootFromVolume(i) ? 0 : 1,
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

export async function writeCommon(db: LabDb, instances: PlanInstance[], hosts: string[], now: Date, layout: CellLayout): Promise<void> {
  for (const name of computeCells(layout)) {
    const cell = db.cell(name);
    const inCell = instances.filter((i) => cellOf(layout, i.host) === name);
    await writeInstances(db, cell, inCell, now);
    await writeServices(db, cell, hosts.filter((h) => cellOf(layout, h) === name), inCell, now);
  }
  await writePlacement(db, hosts, instances);
}

async function writeInstances(db: LabDb, cell: CellDb, instances: PlanInstance[], now: Date): Promise<void> {
  await bulkInsert(db.pool, cell.nova('instances'), instanceRows(instances, now));
  await bulkInsert(db.pool, cell.nova('instance_info_caches'), infoCacheRows(instances, now));
  await bulkInsert(
    db.pool,
    cell.nova('instance_actions'),
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
  await bulkInsert(
    db.pool,
    cell.nova('instance_metadata'),
    instances.flatMap((i) =>
      Object.entries(i.metadata ?? {}).map(([key, value]) => ({ created_at: i.createdAt, deleted: 0, key, value, instance_uuid: i.uuid })),
    ),
  );
}

/** Flavor of every lab instance (m1.tiny-like): 1 VCPU, 512 MB, a 1 GB root disk unless it boots from a volume. */
export function instanceResources(i: PlanInstance): Record<string, number> {
  return isBootFromVolume(i) ? { VCPU: 1, MEMORY_MB: 512 } : { VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 };
}

/** A compute node's uuid, which is also its resource provider's uuid: stable per host name. */
export function computeNodeUuid(host: string): string {
  return uuidFromText(`novaops-lab compute node ${host}`);
}

export function serviceUuid(host: string, binary: string): string {
  return uuidFromText(`novaops-lab service ${host} ${binary}`);
}

/** A compute host of the lab: 64 cores, 512 GiB, 2 TB of local disk (room for 1,000 lab instances). */
export const NODE = { vcpus: 64, memoryMb: 524_288, localGb: 2000, cpuRatio: 16, ramRatio: 1.5, diskRatio: 1, reservedMb: 512 };

/** A cell's services.id of a compute host: ids count in each cell database (hosts: the cell's). */
export function computeServiceId(cellHosts: string[], host: string): number {
  return cellHosts.indexOf(host) + 1;
}

/** `hosts`: the cell's compute hosts; ids count from 1 in each cell database, as in Nova. */
async function writeServices(db: LabDb, cell: CellDb, hosts: string[], instances: PlanInstance[], now: Date): Promise<void> {
  const services = [
    ...hosts.map((h) => ({ host: h, binary: 'nova-compute', topic: 'compute' })),
    ...(cell.name === 'cell1' ? [{ host: 'controller', binary: 'nova-scheduler', topic: 'scheduler' }] : []),
    { host: 'controller', binary: 'nova-conductor', topic: 'conductor' },
  ];
  await bulkInsert(
    db.pool,
    cell.nova('services'),
    services.map((s, i) => ({
      id: i + 1,
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
      uuid: serviceUuid(s.host, s.binary),
    })),
  );
  const used = (h: string, rc: string) =>
    instances.filter((x) => x.host === h).reduce((sum, x) => sum + (instanceResources(x)[rc] ?? 0), 0);
  await bulkInsert(
    db.pool,
    cell.nova('compute_nodes'),
    hosts.map((h, i) => ({
      id: i + 1,
      created_at: new Date(Date.UTC(2025, 0, 6)),
      updated_at: now,
      deleted: 0,
      service_id: i + 1,
      host: h,
      hypervisor_hostname: h,
      uuid: computeNodeUuid(h),
      vcpus: NODE.vcpus,
      memory_mb: NODE.memoryMb,
      local_gb: NODE.localGb,
      vcpus_used: used(h, 'VCPU'),
      memory_mb_used: NODE.reservedMb + used(h, 'MEMORY_MB'),
      local_gb_used: used(h, 'DISK_GB'),
      hypervisor_type: 'QEMU',
      hypervisor_version: 7002000,
      cpu_info: JSON.stringify({ arch: 'x86_64', model: 'EPYC-Rome', vendor: 'AMD', topology: { cells: 1, sockets: 1, cores: 32, threads: 2 } }),
      disk_available_least: NODE.localGb,
      free_ram_mb: NODE.memoryMb - NODE.reservedMb - used(h, 'MEMORY_MB'),
      free_disk_gb: NODE.localGb - used(h, 'DISK_GB'),
      current_workload: 0,
      running_vms: instances.filter((x) => x.host === h).length,
      host_ip: hostAddress(h),
      supported_instances: JSON.stringify([['x86_64', 'kvm', 'hvm']]),
      ram_allocation_ratio: NODE.ramRatio,
      cpu_allocation_ratio: NODE.cpuRatio,
      disk_allocation_ratio: NODE.diskRatio,
      mapped: 1,
    })),
  );
}

async function writePlacement(db: LabDb, hosts: string[], instances: PlanInstance[]): Promise<void> {
  const created = new Date(Date.UTC(2025, 0, 6));
  const onHost = new Map(hosts.map((h) => [h, instances.filter((i) => i.host === h)]));
  await bulkInsert(
    db.pool,
    db.placement('resource_providers'),
    hosts.map((h, i) => ({
      id: i + 1,
      created_at: created,
      updated_at: created,
      uuid: computeNodeUuid(h),
      name: h,
      // One generation for the inventory, one for each instance's claim.
      generation: 1 + (onHost.get(h)?.length ?? 0),
      root_provider_id: i + 1,
      parent_provider_id: null,
    })),
  );
  const inventory = (rp: number, rc: number, total: number, reserved: number, ratio: number) => ({
    created_at: created,
    resource_provider_id: rp,
    resource_class_id: rc,
    total,
    reserved,
    min_unit: 1,
    max_unit: total,
    step_size: 1,
    allocation_ratio: ratio,
  });
  await bulkInsert(
    db.pool,
    db.placement('inventories'),
    hosts.flatMap((_, i) => [
      inventory(i + 1, 0, NODE.vcpus, 0, NODE.cpuRatio),
      inventory(i + 1, 1, NODE.memoryMb, NODE.reservedMb, NODE.ramRatio),
      inventory(i + 1, 2, NODE.localGb, 0, NODE.diskRatio),
    ]),
  );
  const placed = instances.filter((i) => hosts.includes(i.host));
  const projects = [...new Set(placed.map((i) => i.projectId))];
  const users = [...new Set(placed.map((i) => i.userId))];
  await bulkInsert(db.pool, db.placement('projects'), projects.map((p, k) => ({ id: k + 1, created_at: created, external_id: p })));
  await bulkInsert(db.pool, db.placement('users'), users.map((u, k) => ({ id: k + 1, created_at: created, external_id: u })));
  await bulkInsert(
    db.pool,
    db.placement('consumers'),
    placed.map((i, k) => ({
      id: k + 1,
      created_at: i.createdAt,
      updated_at: i.createdAt,
      uuid: i.uuid,
      project_id: projects.indexOf(i.projectId) + 1,
      user_id: users.indexOf(i.userId) + 1,
      generation: 1,
      consumer_type_id: null,
    })),
  );
  const classId: Record<string, number> = { VCPU: 0, MEMORY_MB: 1, DISK_GB: 2 };
  await bulkInsert(
    db.pool,
    db.placement('allocations'),
    placed.flatMap((i) =>
      Object.entries(instanceResources(i)).map(([rc, used]) => ({
        created_at: i.createdAt,
        resource_provider_id: hosts.indexOf(i.host) + 1,
        consumer_id: i.uuid,
        resource_class_id: classId[rc],
        used,
      })),
    ),
  );
}
