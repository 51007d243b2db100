// Placement's bookkeeping over the lab's placement schema, shared by the Placement API handlers,
// the simulated Nova (evacuate, delete, a compute that starts again) and the scenarios. The rules
// are openstack-placement 8.0.0's (objects/allocation.py replace_all, handlers/util.py
// ensure_consumer): allocations of a consumer are replaced as a whole, capacity is
// (total - reserved) * allocation_ratio, provider generations move with every write that touches
// them, a consumer's generation with every write of its allocations, and a consumer without
// allocations is deleted.
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { LabDb } from './lab-db.js';
import { KeyedMutex } from './simulator/keyed-mutex.js';

type Rows = RowDataPacket[];

/** Placement's answer to a request it refuses: status, the message after the title, and the error code (1.23+). */
export class PlacementError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly detail: string,
    readonly code = 'placement.undefined_code',
  ) {
    super(detail);
  }
}

/** What placement substitutes when a pre-1.8 PUT names no project or user ([placement] incomplete_consumer_*_id). */
export const INCOMPLETE_CONSUMER_ID = '00000000-0000-0000-0000-000000000000';

export type Resources = Record<string, number>;
/** Allocations of one consumer, by resource provider uuid. */
export type AllocationMap = Record<string, Resources>;

export interface ProviderRow {
  id: number;
  uuid: string;
  name: string;
  generation: number;
  root_provider_id: number | null;
  parent_provider_id: number | null;
  root_uuid: string | null;
  parent_uuid: string | null;
  created_at: Date | null;
  updated_at: Date | null;
}

export interface ConsumerView {
  uuid: string;
  generation: number;
  projectId: string;
  userId: string;
  consumerType: string | null;
  /** By provider uuid: its generation and this consumer's resources on it, in allocation id order. */
  allocations: Map<string, { generation: number; resources: Resources }>;
  lastModified: Date | null;
}


// Writes are serialised per placement schema: the lab is one placement-api worker.
const writes = new KeyedMutex();

const PROVIDER_COLUMNS = `rp.id, rp.uuid, rp.name, rp.generation, rp.root_provider_id, rp.parent_provider_id,
  root.uuid AS root_uuid, parent.uuid AS parent_uuid, rp.created_at, rp.updated_at`;

export async function listProviders(db: LabDb, filter: { name?: string; uuid?: string } = {}): Promise<ProviderRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.name !== undefined) (where.push('rp.name = ?'), params.push(filter.name));
  if (filter.uuid !== undefined) (where.push('rp.uuid = ?'), params.push(filter.uuid));
  const [rows] = await db.pool.query<Rows>(
    `SELECT ${PROVIDER_COLUMNS} FROM ${db.placement('resource_providers')} rp
     LEFT JOIN ${db.placement('resource_providers')} root ON root.id = rp.root_provider_id
     LEFT JOIN ${db.placement('resource_providers')} parent ON parent.id = rp.parent_provider_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rp.id`,
    params,
  );
  return rows as ProviderRow[];
}

export async function getProvider(db: LabDb, uuid: string): Promise<ProviderRow | undefined> {
  return (await listProviders(db, { uuid }))[0];
}

export async function providerInventories(db: LabDb, providerId: number): Promise<RowDataPacket[]> {
  const [rows] = await db.pool.query<Rows>(
    `SELECT rc.name AS resource_class, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
     FROM ${db.placement('inventories')} i JOIN ${db.placement('resource_classes')} rc ON rc.id = i.resource_class_id
     WHERE i.resource_provider_id = ? ORDER BY i.id`,
    [providerId],
  );
  return rows;
}

export async function providerUsages(db: LabDb, providerId: number): Promise<Resources> {
  const [rows] = await db.pool.query<Rows>(
    `SELECT rc.name AS resource_class, COALESCE(SUM(a.used), 0) AS used
     FROM ${db.placement('inventories')} i
     JOIN ${db.placement('resource_classes')} rc ON rc.id = i.resource_class_id
     LEFT JOIN ${db.placement('allocations')} a ON a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = i.resource_class_id
     WHERE i.resource_provider_id = ? GROUP BY i.id, rc.name ORDER BY i.id`,
    [providerId],
  );
  return Object.fromEntries(rows.map((r) => [r.resource_class, Number(r.used)]));
}

/** Allocations on one provider, by consumer uuid, with each consumer's generation. */
export async function providerAllocations(
  db: LabDb,
  providerId: number,
): Promise<{ consumers: Map<string, { generation: number | null; resources: Resources }>; lastModified: Date | null }> {
  const [rows] = await db.pool.query<Rows>(
    `SELECT a.consumer_id, rc.name AS resource_class, a.used, a.created_at, c.generation
     FROM ${db.placement('allocations')} a
     JOIN ${db.placement('resource_classes')} rc ON rc.id = a.resource_class_id
     LEFT JOIN ${db.placement('consumers')} c ON c.uuid = a.consumer_id
     WHERE a.resource_provider_id = ? ORDER BY a.consumer_id, rc.name`,
    [providerId],
  );
  const consumers = new Map<string, { generation: number | null; resources: Resources }>();
  let lastModified: Date | null = null;
  for (const r of rows) {
    let c = consumers.get(r.consumer_id);
    if (!c) consumers.set(r.consumer_id, (c = { generation: r.generation ?? null, resources: {} }));
    c.resources[r.resource_class] = r.used;
    if (r.created_at && (!lastModified || r.created_at > lastModified)) lastModified = r.created_at;
  }
  return { consumers, lastModified };
}

export async function getConsumer(db: LabDb, consumerUuid: string): Promise<ConsumerView | undefined> {
  const [rows] = await db.pool.query<Rows>(
    `SELECT c.uuid, c.generation, p.external_id AS project_id, u.external_id AS user_id, ct.name AS consumer_type,
            rp.uuid AS rp_uuid, rp.generation AS rp_generation, rc.name AS resource_class, a.used, a.created_at
     FROM ${db.placement('allocations')} a
     JOIN ${db.placement('resource_providers')} rp ON rp.id = a.resource_provider_id
     JOIN ${db.placement('resource_classes')} rc ON rc.id = a.resource_class_id
     LEFT JOIN ${db.placement('consumers')} c ON c.uuid = a.consumer_id
     LEFT JOIN ${db.placement('projects')} p ON p.id = c.project_id
     LEFT JOIN ${db.placement('users')} u ON u.id = c.user_id
     LEFT JOIN ${db.placement('consumer_types')} ct ON ct.id = c.consumer_type_id
     WHERE a.consumer_id = ? ORDER BY a.id`,
    [consumerUuid],
  );
  if (rows.length === 0) return undefined;
  const allocations = new Map<string, { generation: number; resources: Resources }>();
  let lastModified: Date | null = null;
  for (const r of rows) {
    let a = allocations.get(r.rp_uuid);
    if (!a) allocations.set(r.rp_uuid, (a = { generation: r.rp_generation, resources: {} }));
    a.resources[r.resource_class] = r.used;
    if (r.created_at && (!lastModified || r.created_at > lastModified)) lastModified = r.created_at;
  }
  const first = rows[0];
  return {
    uuid: consumerUuid,
    generation: first.generation ?? 0,
    projectId: first.project_id,
    userId: first.user_id,
    consumerType: first.consumer_type ?? null,
    allocations,
    lastModified,
  };
}

export interface ReplaceOptions {
  projectId?: string;
  userId?: string;
  /** Checked as 1.28+ does: undefined = not checked; null = the consumer must not exist yet. */
  consumerGeneration?: number | null;
  checkGeneration: boolean;
  /** 1.38+: the consumer's type (INSTANCE, MIGRATION, ...); undefined leaves it as it is. */
  consumerType?: string;
}

async function externalId(c: PoolConnection, db: LabDb, table: 'projects' | 'users', ext: string): Promise<number> {
  await c.query(`INSERT IGNORE INTO ${db.placement(table)} (created_at, external_id) VALUES (UTC_TIMESTAMP(), ?)`, [ext]);
  const [rows] = await c.query<Rows>(`SELECT id FROM ${db.placement(table)} WHERE external_id = ?`, [ext]);
  return rows[0].id;
}

async function inTransaction<T>(db: LabDb, fn: (c: PoolConnection) => Promise<T>): Promise<T> {
  return writes.run('placement', async () => {
    const c = await db.pool.getConnection();
    try {
      await c.beginTransaction();
      const out = await fn(c);
      await c.commit();
      return out;
    } catch (e) {
      await c.rollback().catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  });
}

/**
 * PUT /allocations/{consumer_uuid}: replaces every allocation of the consumer with `allocations`
 * (empty = remove them all). Throws PlacementError with placement's messages.
 */
export async function replaceConsumerAllocations(
  db: LabDb,
  consumerUuid: string,
  allocations: AllocationMap,
  opts: ReplaceOptions,
): Promise<void> {
  await inTransaction(db, async (c) => {
    const projectExt = opts.projectId ?? INCOMPLETE_CONSUMER_ID;
    const userExt = opts.projectId === undefined ? INCOMPLETE_CONSUMER_ID : (opts.userId ?? INCOMPLETE_CONSUMER_ID);
    const projectId = await externalId(c, db, 'projects', projectExt);
    const userId = await externalId(c, db, 'users', userExt);
    const [cons] = await c.query<Rows>(`SELECT id, generation, project_id, user_id FROM ${db.placement('consumers')} WHERE uuid = ? FOR UPDATE`, [
      consumerUuid,
    ]);
    let consumer = cons[0] as { id: number; generation: number; project_id: number; user_id: number } | undefined;
    if (consumer) {
      if (opts.checkGeneration && consumer.generation !== opts.consumerGeneration) {
        throw new PlacementError(
          409,
          `consumer generation conflict - expected ${consumer.generation} but got ${pyValue(opts.consumerGeneration)}`,
          'placement.concurrent_update',
        );
      }
    } else {
      if (opts.checkGeneration && opts.consumerGeneration !== null && opts.consumerGeneration !== undefined) {
        throw new PlacementError(409, `consumer generation conflict - expected null but got ${opts.consumerGeneration}`, 'placement.concurrent_update');
      }
      const [ins] = await c.query<ResultSetHeader>(
        `INSERT INTO ${db.placement('consumers')} (created_at, uuid, project_id, user_id, generation) VALUES (UTC_TIMESTAMP(), ?, ?, ?, 0)`,
        [consumerUuid, projectId, userId],
      );
      consumer = { id: ins.insertId, generation: 0, project_id: projectId, user_id: userId };
    }

    const wanted = Object.entries(allocations);
    const providers = new Map<string, { id: number }>();
    for (const [rpUuid] of wanted) {
      const [rp] = await c.query<Rows>(`SELECT id FROM ${db.placement('resource_providers')} WHERE uuid = ?`, [rpUuid]);
      if (!rp[0]) throw new PlacementError(400, `Allocation for resource provider '${rpUuid}' that does not exist.`);
      providers.set(rpUuid, { id: rp[0].id });
    }
    const [classRows] = await c.query<Rows>(`SELECT id, name FROM ${db.placement('resource_classes')}`);
    const classId = new Map(classRows.map((r) => [r.name as string, r.id as number]));
    for (const [, res] of wanted) {
      for (const rc of Object.keys(res)) {
        if (!classId.has(rc)) throw new PlacementError(400, `Unable to allocate inventory for consumer ${consumerUuid}: No such resource class ${rc}.`);
      }
    }

    // Empty allocations: the current ones are written back with used = 0, so their providers' generations move.
    let touched: number[];
    if (wanted.length === 0) {
      const [cur] = await c.query<Rows>(`SELECT DISTINCT resource_provider_id FROM ${db.placement('allocations')} WHERE consumer_id = ?`, [consumerUuid]);
      touched = cur.map((r) => r.resource_provider_id);
    } else touched = [...providers.values()].map((p) => p.id);

    await c.query(`DELETE FROM ${db.placement('allocations')} WHERE consumer_id = ?`, [consumerUuid]);
    for (const [rpUuid, res] of wanted) {
      const rp = providers.get(rpUuid)!;
      for (const [rc, amount] of Object.entries(res)) {
        const rcId = classId.get(rc)!;
        const [inv] = await c.query<Rows>(
          `SELECT total, reserved, min_unit, max_unit, step_size, allocation_ratio FROM ${db.placement('inventories')}
           WHERE resource_provider_id = ? AND resource_class_id = ? FOR UPDATE`,
          [rp.id, rcId],
        );
        const i = inv[0];
        if (!i) throw new PlacementError(409, `Unable to allocate inventory: Inventory for '${rc}' on resource provider '${rpUuid}' invalid.`);
        if (amount < i.min_unit || amount > i.max_unit || amount % i.step_size !== 0) {
          throw new PlacementError(
            409,
            `Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rpUuid}'. The requested amount would violate inventory constraints.`,
          );
        }
        const [u] = await c.query<Rows>(
          `SELECT COALESCE(SUM(used), 0) AS used FROM ${db.placement('allocations')} WHERE resource_provider_id = ? AND resource_class_id = ?`,
          [rp.id, rcId],
        );
        const capacity = (i.total - i.reserved) * i.allocation_ratio;
        if (capacity < Number(u[0].used) + amount) {
          throw new PlacementError(
            409,
            `Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rpUuid}'. The requested amount would exceed the capacity.`,
          );
        }
        await c.query(
          `INSERT INTO ${db.placement('allocations')} (created_at, resource_provider_id, consumer_id, resource_class_id, used) VALUES (UTC_TIMESTAMP(), ?, ?, ?, ?)`,
          [rp.id, consumerUuid, rcId, amount],
        );
      }
    }
    if (touched.length > 0) {
      await c.query(`UPDATE ${db.placement('resource_providers')} SET generation = generation + 1, updated_at = UTC_TIMESTAMP() WHERE id IN (?)`, [touched]);
    }
    if (wanted.length === 0) {
      await c.query(`DELETE FROM ${db.placement('consumers')} WHERE id = ?`, [consumer.id]);
      return;
    }
    let typeId: number | null | undefined;
    if (opts.consumerType !== undefined) {
      await c.query(`INSERT IGNORE INTO ${db.placement('consumer_types')} (created_at, name) VALUES (UTC_TIMESTAMP(), ?)`, [opts.consumerType]);
      const [t] = await c.query<Rows>(`SELECT id FROM ${db.placement('consumer_types')} WHERE name = ?`, [opts.consumerType]);
      typeId = t[0].id;
    }
    await c.query(
      `UPDATE ${db.placement('consumers')} SET generation = generation + 1, project_id = ?, user_id = ?,
         consumer_type_id = ${typeId === undefined ? 'consumer_type_id' : '?'}, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
      typeId === undefined ? [projectId, userId, consumer.id] : [projectId, userId, typeId, consumer.id],
    );
  });
}

/** DELETE /allocations/{consumer_uuid}: false when the consumer had none (placement answers 404). */
export async function deleteConsumerAllocations(db: LabDb, consumerUuid: string): Promise<boolean> {
  return inTransaction(db, async (c) => {
    const [del] = await c.query<ResultSetHeader>(`DELETE FROM ${db.placement('allocations')} WHERE consumer_id = ?`, [consumerUuid]);
    if (del.affectedRows === 0) return false;
    await c.query(`DELETE FROM ${db.placement('consumers')} WHERE uuid = ?`, [consumerUuid]);
    return true;
  });
}

/**
 * What Nova's report client does in remove_provider_tree_from_instance_allocation: read the
 * consumer's allocations, drop one provider, write the rest back with the consumer generation it
 * read (or delete them all when nothing is left). False when that provider held nothing.
 */
export async function removeProviderFromConsumer(db: LabDb, consumerUuid: string, providerUuid: string): Promise<boolean> {
  const current = await getConsumer(db, consumerUuid);
  if (!current || !current.allocations.has(providerUuid)) return false;
  const rest: AllocationMap = {};
  for (const [rp, a] of current.allocations) if (rp !== providerUuid) rest[rp] = a.resources;
  if (Object.keys(rest).length === 0) return deleteConsumerAllocations(db, consumerUuid);
  await replaceConsumerAllocations(db, consumerUuid, rest, {
    projectId: current.projectId,
    userId: current.userId,
    consumerGeneration: current.generation,
    checkGeneration: true,
  });
  return true;
}

/** Adds resources on one more provider to a consumer (the scheduler's claim on an evacuation's destination). */
export async function addProviderToConsumer(
  db: LabDb,
  consumerUuid: string,
  providerUuid: string,
  resources: Resources,
  owner: { projectId: string; userId: string },
): Promise<void> {
  const current = await getConsumer(db, consumerUuid);
  const all: AllocationMap = {};
  for (const [rp, a] of current?.allocations ?? []) all[rp] = a.resources;
  all[providerUuid] = resources;
  await replaceConsumerAllocations(db, consumerUuid, all, {
    projectId: current?.projectId ?? owner.projectId,
    userId: current?.userId ?? owner.userId,
    consumerGeneration: current ? current.generation : null,
    checkGeneration: true,
  });
}

/** The provider (compute node) of a Nova host, by hypervisor_hostname as Nova names it. */
export async function providerForNode(db: LabDb, node: string): Promise<ProviderRow | undefined> {
  return (await listProviders(db, { name: node }))[0];
}

/** Python's str() of a value, as placement's messages print it. */
function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}
