// iscsi-cleanup on the legacy nova-volume layout (numeric volume ids, nova.volumes with
// instance_id/mountpoint, targets named volume-%08x), through the real CLI: the happy path by
// --volume, and the "not attached to a running instance" guard (refused, nothing changed; then
// --allow-running goes ahead).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { type ScenarioSummary, hostPaths, volumeIqn, writeSessionTable, legacyVolumeName } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let host: string;
/** volume id -> its session id on `host`; the scenario's live-session volume first. */
const sids = new Map<string, number>();
const OTHER_IQN = 'iqn.2003-01.org.linux-iscsi.storage:sn.5678';

const sessionsFile = () => readFile(hostPaths(lab.info.dir, host).sessions, 'utf8');
const nova = () => lab.info.db.schemas.nova;
const iqnOf = (volume: string) => volumeIqn(legacyVolumeName(Number(volume)));

beforeAll(async () => {
  lab = await createTestLab({ flavour: 'nova-volume', hosts: 2 });
  scenario = await lab.scenario('power-loss', { instances: 8, volumes: 12, seed: 8, liveSession: true });
  expect(scenario.flavour).toBe('nova-volume');
  const live = scenario.liveSessionVolume!;
  host = live.host;
  // The host keeps sessions of other volumes too (and one that is no OpenStack volume): only the chosen one may go.
  const stopped = new Set(scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid));
  const onHost = scenario.attached.filter((a) => a.host === host && stopped.has(a.instance) && a.volume !== live.volume);
  const volumes = [live.volume, ...new Set(onHost.map((a) => a.volume))];
  expect(volumes.length).toBeGreaterThanOrEqual(3);
  const ids = await writeSessionTable(lab.info.dir, host, [...volumes.map(iqnOf), OTHER_IQN], 5);
  volumes.forEach((v, i) => sids.set(v, ids[i]));
});
afterAll(async () => lab?.destroy());

function volumeOnHost(n: number): { volume: string; instance: string; sid: number } {
  const v = [...sids.keys()][n];
  const a = scenario.attached.find((x) => x.volume === v)!;
  return { volume: v, instance: a.instance, sid: sids.get(v)! };
}

async function volumeRow(id: string) {
  const [row] = await lab.rootQuery<{ status: string; attach_status: string; instance_id: number | null; mountpoint: string | null }[]>(
    `SELECT status, attach_status, instance_id, mountpoint FROM \`${nova()}\`.volumes WHERE id = ?`,
    [Number(id)],
  );
  return row;
}

async function instanceId(uuid: string): Promise<number> {
  const [row] = await lab.rootQuery<{ id: number }[]>(`SELECT id FROM \`${nova()}\`.instances WHERE uuid = ?`, [uuid]);
  return Number(row.id);
}

async function artifactsOf(runId: string): Promise<string[]> {
  const dir = path.join(lab.stateDir, 'runs', runId, 'artifacts');
  return (await readdir(dir).catch(() => [])).map((f) => path.join(dir, f));
}

async function runDirs(): Promise<string[]> {
  return (await readdir(path.join(lab.stateDir, 'runs')).catch(() => [])).filter((d) => !d.startsWith('.')).sort();
}

describe('iscsi-cleanup on nova-volume', () => {
  it('--volume <numeric id>: logs out only its volume-%08x session, sets it available/detached in nova.volumes, rows saved', async () => {
    const { volume, instance, sid } = volumeOnHost(0);
    expect(sid).toBe(5);
    const other = volumeOnHost(1);
    expect(await volumeRow(volume)).toEqual({ status: 'in-use', attach_status: 'attached', instance_id: await instanceId(instance), mountpoint: expect.any(String) });
    const otherBefore = await volumeRow(other.volume);
    const linesBefore = (await sessionsFile()).split('\n').filter(Boolean);
    const runsBefore = new Set(await runDirs());

    const dry = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('schema flavour: nova-volume');
    expect(dry.stdout).toContain(`iscsiadm -m session -r ${sid} -u`);

    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const linesAfter = (await sessionsFile()).split('\n').filter(Boolean);
    expect(linesAfter).toEqual(linesBefore.filter((l) => !l.startsWith(`tcp: [${sid}] `)));
    expect(linesAfter).toHaveLength(linesBefore.length - 1);
    expect(linesAfter.join('\n')).not.toContain(iqnOf(volume));
    expect(await volumeRow(volume)).toEqual({ status: 'available', attach_status: 'detached', instance_id: 0, mountpoint: null });
    expect(await volumeRow(other.volume)).toEqual(otherBefore);

    // The rows were saved before the change, with a rollback script, in this run's directory.
    const fresh = (await runDirs()).filter((d) => !runsBefore.has(d));
    const real: string[] = [];
    for (const d of fresh) if ((await artifactsOf(d)).length > 0) real.push(d);
    expect(real, fresh.join(', ')).toHaveLength(1);
    const backup = (await artifactsOf(real[0])).filter((f) => f.includes('reset-db'));
    expect(backup.length, backup.join('\n')).toBeGreaterThanOrEqual(2);
    const rowsFile = backup.find((f) => f.endsWith('.json'))!;
    const saved = JSON.parse(await readFile(rowsFile, 'utf8')) as { db: string; table: string; rows: Record<string, unknown>[] }[];
    const savedVolumes = saved.filter((s) => s.db === 'nova' && s.table === 'volumes').flatMap((s) => s.rows);
    // One backup per statement (the guide's four updates), each of this one row as it was before.
    expect(savedVolumes.length).toBeGreaterThanOrEqual(1);
    expect([...new Set(savedVolumes.map((v) => JSON.stringify([v.id, v.status, v.attach_status, v.instance_id])))]).toEqual([JSON.stringify([Number(volume), 'in-use', 'attached', await instanceId(instance)])]);
    expect(await readFile(backup.find((f) => f.endsWith('.sql'))!, 'utf8')).toMatch(new RegExp(`\`status\` = 'in-use'.*WHERE \`id\` = ${volume};`));
  });

  it('refuses (exit 3) while the instance is running, naming the guard, nothing changed; --allow-running goes ahead', async () => {
    const { volume, instance, sid } = volumeOnHost(1);
    // The instance runs again: Nova's DB and the Compute API (which reads it) agree.
    await lab.rootQuery(`UPDATE \`${nova()}\`.instances SET vm_state = 'active', power_state = 1, task_state = NULL WHERE uuid = ?`, [instance]);
    const server = await lab.rootQuery<{ vm_state: string; power_state: number }[]>(`SELECT vm_state, power_state FROM \`${nova()}\`.instances WHERE uuid = ?`, [instance]);
    expect(server).toEqual([{ vm_state: 'active', power_state: 1 }]);

    const before = await checksums(lab);
    const sessions = await sessionsFile();
    const rowBefore = await volumeRow(volume);
    expect(rowBefore.status).toBe('in-use');

    const refused = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], lab.env);
    const out = refused.stdout + refused.stderr;
    expect(refused.code, out).toBe(3);
    expect(out).toContain('guard "not attached to a running instance": FAILED');
    expect(out).toContain(instance);
    expect(out).toContain('--allow-running');
    expect(await checksums(lab)).toEqual(before);
    expect(await sessionsFile()).toBe(sessions);

    const allowed = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--allow-running', '--yes'], lab.env);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout + allowed.stderr).toContain('--allow-running: going ahead');
    const linesAfter = sessions.split('\n').filter(Boolean).filter((l) => !l.startsWith(`tcp: [${sid}] `));
    expect((await sessionsFile()).split('\n').filter(Boolean)).toEqual(linesAfter);
    expect(await volumeRow(volume)).toEqual({ status: 'available', attach_status: 'detached', instance_id: 0, mountpoint: null });
  });
});
