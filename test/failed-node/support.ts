// What the failed-node tests share: a lab whose services go down in seconds, the scenario with its
// failed host already down, the CLI arguments, and the measures "nothing changed" (every row of
// the nova, cinder and placement schemas, the simulated hosts' files) and "the end state" (row by
// row, for the moved instances).
import { createHash } from 'node:crypto';
import { readdir, readFile, lstat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { hostPaths, labPaths, type FailedNodeOptions, type FailedNodeSummary } from '../../src/lab/index.js';
import { withoutHeartbeat } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';

export async function createFailedNodeLab(hosts = 3): Promise<TestLab> {
  // nova-compute reports every 200 ms and counts as down 1.5 s after its last report.
  return createTestLab({ hosts, settings: { serviceDownTimeMs: 1500, reportIntervalMs: 200, evacuateMs: 120, rebootMs: 50 } });
}

/** The failed-node scenario with the failed host's nova-compute already reported down (its last report 2 minutes ago). */
export function failedNode(lab: TestLab, opts: FailedNodeOptions & { cells?: 1 | 2 } = {}): Promise<FailedNodeSummary> {
  return lab.scenario('failed-node', { instances: 8, volumes: 6, seed: 7, heartbeatAgeSeconds: 120, ...opts }) as unknown as Promise<FailedNodeSummary>;
}

/** The target's instances path as the target host (a local directory in the lab) sees it. */
export function targetInstancesPath(lab: TestLab, s: FailedNodeSummary): string {
  return hostPaths(lab.info.dir, s.targetHost).instancesDir;
}

export function runArgs(lab: TestLab, s: FailedNodeSummary, ...extra: string[]): string[] {
  // No --instances-path: the target's own nova.conf (the lab writes one per host) says where it is.
  return ['run', 'failed-node', '--failed-host', s.failedHost, '--target-host', s.targetHost, ...extra];
}

export type Rows = Record<string, Record<string, unknown>[]>;

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function schemas(lab: TestLab): string[] {
  const s = lab.info.db.schemas;
  return [s.nova, s.cinder, s.placement!, ...[s.novaApi, s.novaCell0, s.novaCell2].filter((x): x is string => x !== undefined)];
}

/** Every row of every table of every cell, nova_api, cinder and placement, in key order; services without their heartbeat columns. */
export async function allRows(lab: TestLab): Promise<Rows> {
  const tables = await lab.rootQuery<{ s: string; t: string }[]>(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = ? ORDER BY 1, 2',
    [schemas(lab), 'BASE TABLE'],
  );
  expect(tables.length).toBeGreaterThan(10);
  const out: Rows = {};
  for (const { s, t } of tables) {
    const name = `${quote(s)}.${quote(t)}`;
    const rows = await lab.rootQuery<Record<string, unknown>[]>(`SELECT * FROM ${name} ORDER BY 1`);
    out[`${s}.${t}`] = JSON.parse(JSON.stringify(rows.map((r) => withoutHeartbeat(name, r))));
  }
  return out;
}

/** "Nothing changed", as a hash of every row (heartbeats aside). */
export async function dbDigest(lab: TestLab): Promise<Record<string, string>> {
  const rows = await allRows(lab);
  return Object.fromEntries(Object.entries(rows).map(([t, r]) => [t, createHash('sha256').update(JSON.stringify(r)).digest('hex')]));
}

/**
 * Every file under the simulated hosts: path, mode, content. The lab's iscsiadm takes a flock on
 * var/lib/iscsi/.lock even to list sessions (a lock file, like /run/lock): not a change a run made.
 */
export async function hostTreeDigest(lab: TestLab): Promise<Record<string, string>> {
  const root = labPaths(lab.info.dir).hostsDir;
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const st = await lstat(file);
      const rel = path.relative(root, file);
      if (name === '.lock') continue;
      if (st.isDirectory()) {
        out[rel + '/'] = `dir ${st.mode.toString(8)}`;
        await walk(file);
      } else if (st.isFile()) {
        out[rel] = `${st.mode.toString(8)} ${createHash('sha256').update(await readFile(file)).digest('hex')}`;
      }
    }
  };
  await walk(root);
  return out;
}

/** The row's key for comparing before and after. */
function keyOf(row: Record<string, unknown>): string {
  return JSON.stringify(row.id ?? row.uuid ?? row);
}

export interface Related {
  instances: Set<string>;
  volumes: Set<string>;
  /** Compute node / resource provider uuids and service hosts a move touches. */
  providers: Set<string>;
  hosts: Set<string>;
}

/** Whether a row belongs to what the run was allowed to change. */
export function relatedRow(table: string, row: Record<string, unknown>, r: Related, actionIds: Set<unknown>): boolean {
  const t = table.split('.').pop()!;
  switch (t) {
    case 'instances':
      return r.instances.has(String(row.uuid));
    case 'block_device_mapping':
    case 'instance_actions':
    case 'instance_info_caches':
    case 'instance_metadata':
    case 'migrations':
      return r.instances.has(String(row.instance_uuid));
    case 'instance_actions_events':
      return actionIds.has(row.action_id);
    case 'services':
      return r.hosts.has(String(row.host));
    case 'compute_nodes':
      return r.hosts.has(String(row.host));
    case 'volumes':
      return r.volumes.has(String(row.id));
    case 'volume_attachment':
      return r.volumes.has(String(row.volume_id));
    case 'allocations':
      return r.instances.has(String(row.consumer_id));
    case 'consumers':
      return r.instances.has(String(row.uuid));
    case 'resource_providers':
      return r.providers.has(String(row.uuid));
    default:
      return false;
  }
}

/** Every row not related to the moved instances is exactly as before; new rows are only theirs. */
export function expectOnlyRelatedChanged(before: Rows, after: Rows, r: Related): void {
  const actionIds = new Set<unknown>(
    Object.entries(after)
      .filter(([t]) => t.endsWith('.instance_actions'))
      .flatMap(([, rows]) => rows.filter((row) => r.instances.has(String(row.instance_uuid))).map((row) => row.id)),
  );
  for (const [table, rows] of Object.entries(before)) {
    const afterByKey = new Map((after[table] ?? []).map((row) => [keyOf(row), row]));
    for (const row of rows) {
      if (relatedRow(table, row, r, actionIds)) continue;
      expect(afterByKey.get(keyOf(row)), `${table} row ${keyOf(row)} changed`).toEqual(row);
    }
    const beforeKeys = new Set(rows.map(keyOf));
    for (const row of after[table] ?? []) {
      if (!beforeKeys.has(keyOf(row))) expect(relatedRow(table, row, r, actionIds), `${table} new row ${JSON.stringify(row)}`).toBe(true);
    }
  }
}

/**
 * The end state of moved instances, read from the databases row by row: host and node the
 * target's, the vm_state they had, no task; their volumes attached (BDM and Cinder) at the same
 * device; their Placement allocations on the target's provider only, with the resources they had.
 */
export async function expectEndState(lab: TestLab, s: FailedNodeSummary, moved: string[], opts: { attachedHost: string }): Promise<void> {
  const { nova, cinder, placement } = lab.info.db.schemas;
  const target = s.providers[s.targetHost];
  const byUuid = new Map(s.instances.map((i) => [i.uuid, i]));
  for (const uuid of moved) {
    const inst = byUuid.get(uuid)!;
    const [row] = await lab.rootQuery<any[]>(`SELECT host, node, vm_state, task_state FROM ${quote(nova)}.instances WHERE uuid = ? AND deleted = 0`, [uuid]);
    expect(row, `${inst.name} in the cell database`).toEqual({ host: s.targetHost, node: s.targetHost, vm_state: inst.vmState, task_state: null });
    for (const v of inst.volumes) {
      const bdms = await lab.rootQuery<any[]>(
        `SELECT device_name, boot_index FROM ${quote(nova)}.block_device_mapping WHERE instance_uuid = ? AND volume_id = ? AND deleted = 0`,
        [uuid, v.id],
      );
      expect(bdms, `BDM of volume ${v.id}`).toEqual([{ device_name: v.device, boot_index: v.bootIndex }]);
      const attachments = await lab.rootQuery<any[]>(
        `SELECT mountpoint, attach_status, attached_host FROM ${quote(cinder)}.volume_attachment WHERE instance_uuid = ? AND volume_id = ? AND deleted = 0`,
        [uuid, v.id],
      );
      expect(attachments, `Cinder attachment of volume ${v.id}`).toEqual([{ mountpoint: v.device, attach_status: 'attached', attached_host: opts.attachedHost }]);
      const [volume] = await lab.rootQuery<any[]>(`SELECT status, attach_status FROM ${quote(cinder)}.volumes WHERE id = ?`, [v.id]);
      expect(volume).toEqual({ status: 'in-use', attach_status: 'attached' });
    }
    const allocations = await lab.rootQuery<any[]>(
      `SELECT rp.uuid AS rp, rc.name AS rc, a.used FROM ${quote(placement!)}.allocations a
       JOIN ${quote(placement!)}.resource_providers rp ON rp.id = a.resource_provider_id
       JOIN ${quote(placement!)}.resource_classes rc ON rc.id = a.resource_class_id
       WHERE a.consumer_id = ? ORDER BY rc.name`,
      [uuid],
    );
    const expected = Object.values(inst.allocations)[0];
    expect(allocations, `Placement allocations of ${inst.name}`).toEqual(
      Object.entries(expected)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([rc, used]) => ({ rp: target, rc, used })),
    );
  }
}

export function relatedFor(s: FailedNodeSummary, moved: string[], opts: { services?: boolean } = {}): Related {
  const movedSet = new Set(moved);
  return {
    instances: movedSet,
    volumes: new Set(s.volumes.filter((v) => movedSet.has(v.instance)).map((v) => v.id)),
    providers: new Set([s.providers[s.failedHost], s.providers[s.targetHost]]),
    hosts: new Set(opts.services === false ? [] : [s.failedHost, s.targetHost]),
  };
}
