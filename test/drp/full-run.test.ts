// Acceptance 4: the step-2 guard holds back a volume whose iSCSI session is still live, names
// it, and cleans the others; the full run restores every other attachment to the same instance
// at the same device, leaves error_deleting volumes and boot volumes as they were, and reboots
// each affected instance exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { allRows } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, liveSession: true, seed: 11 });
});
afterAll(async () => lab?.destroy());

describe('drp, full run on 20 instances and 30 volumes', () => {
  it('holds back the live-session volume and recovers everything else exactly once', async () => {
    const live = scenario.liveSessionVolume!;
    expect(live).not.toBeNull();
    const cinder = `\`${lab.info.db.schemas.cinder}\``;
    const nova = `\`${lab.info.db.schemas.nova}\``;
    const before = await allRows(lab);
    await lab.resetStats();

    const result = await runCli(['run', 'drp', '--yes'], lab.env);
    // Completed, but not all of it: the run ends with the held-back volume named, and exit 5.
    expect(result.code, result.stdout + result.stderr).toBe(5);
    expect(result.stdout).toMatch(new RegExp(`== COMPLETED, 1 HELD BACK: completed, 1 held back: clean:${live.volume}:${live.instance} \\(volume ${live.volume} still has live iSCSI session`));
    // The guard names the held-back volume, its session and the way forward.
    expect(result.stdout).toMatch(new RegExp(`held back clean:${live.volume}:${live.instance}: volume ${live.volume} still has live iSCSI session \\[${live.sid}\\]`));
    expect(result.stdout).toContain('iscsi-cleanup');

    const restored = scenario.attached.filter((p) => p.volume !== live.volume);
    expect(restored.length).toBeGreaterThan(15);
    for (const pair of restored) {
      const attachments = await lab.rootQuery<{ mountpoint: string }[]>(
        `SELECT mountpoint FROM ${cinder}.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0 AND attach_status = 'attached'`,
        [pair.volume, pair.instance],
      );
      expect(attachments, `cinder attachment of ${pair.volume}`).toEqual([{ mountpoint: pair.device }]);
      const bdms = await lab.rootQuery<{ device_name: string }[]>(
        `SELECT device_name FROM ${nova}.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [pair.volume, pair.instance],
      );
      expect(bdms, `nova BDM of ${pair.volume}`).toEqual([{ device_name: pair.device }]);
    }
    const statuses = await lab.rootQuery<{ id: string; status: string }[]>(`SELECT id, status FROM ${cinder}.volumes`);
    const statusOf = new Map(statuses.map((s) => [s.id, s.status]));
    for (const pair of restored) expect(statusOf.get(pair.volume)).toBe('in-use');

    // Held back, error_deleting, detached and boot volumes: their rows are exactly as before.
    const after = await allRows(lab);
    const untouched = new Set([live.volume, ...scenario.errorDeleting, ...scenario.detached, ...scenario.bootVolumes.map((b) => b.volume)]);
    for (const table of ['volumes', 'volume_attachment']) {
      const key = `${cinder}.\`${table}\``;
      const pick = (rows: Record<string, unknown>[]) =>
        rows.filter((r) => untouched.has(String(table === 'volumes' ? r.id : r.volume_id)));
      expect(pick(after[key])).toEqual(pick(before[key]));
    }
    const bdmKey = `${nova}.\`block_device_mapping\``;
    const pickBdm = (rows: Record<string, unknown>[]) => rows.filter((r) => untouched.has(String(r.volume_id)));
    expect(pickBdm(after[bdmKey])).toEqual(pickBdm(before[bdmKey]));
    expect(statusOf.get(live.volume)).toBe('in-use');
    for (const v of scenario.errorDeleting) expect(statusOf.get(v)).toBe('error_deleting');

    // Every SHUTOFF instance rebooted exactly once; running and ERROR instances not at all.
    const stats = await lab.stats();
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid);
    expect(shutoff.length).toBeGreaterThan(10);
    expect(stats.rebootsByServer).toEqual(Object.fromEntries(shutoff.map((u) => [u, 1])));
    // One attach request per restored pair; none for the held-back volume.
    const attaches = Object.values(stats.attachesByVolume).reduce((a, b) => a + b, 0);
    expect(attaches).toBe(restored.length);
    expect(stats.attachesByVolume[live.volume]).toBeUndefined();
  });
});
