// Acceptance 3 / invariant 4: --test-instance X recovers X alone; every other row of every
// table is unchanged, compared row by row. X holds a multi-attach volume: its other attachment
// stays, and the volume stays in-use throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { allRows, withoutHeartbeat } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, seed: 3 });
});
afterAll(async () => lab?.destroy());

/** Does this row belong to instance X or one of X's volumes? */
function relatedTo(row: Record<string, unknown>, instance: string, volumes: Set<string>): boolean {
  return (
    row.uuid === instance ||
    row.instance_uuid === instance ||
    (typeof row.id === 'string' && volumes.has(row.id) && 'attach_status' in row && !('volume_id' in row))
  );
}

describe('drp --test-instance', () => {
  it('recovers the chosen instance alone', async () => {
    const multi = scenario.multiattach!;
    expect(multi).not.toBeNull();
    const x = multi.attachments[0].instance;
    const other = multi.attachments[1].instance;
    const xPairs = scenario.attached.filter((p) => p.instance === x);
    const xVolumes = new Set(xPairs.map((p) => p.volume));
    const before = await allRows(lab);
    await lab.resetStats();

    const result = await runCli(['run', 'drp', '--test-instance', x, '--yes'], lab.env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`test mode: scoped to instance`);

    const after = await allRows(lab);
    for (const [table, rows] of Object.entries(before)) {
      const unrelatedBefore = rows.filter((r) => !relatedTo(r, x, xVolumes)).map((r) => withoutHeartbeat(table, r));
      const afterById = new Map(after[table].map((r) => [JSON.stringify(r.id ?? r), withoutHeartbeat(table, r)]));
      for (const row of unrelatedBefore) {
        expect(afterById.get(JSON.stringify(row.id ?? row)), `${table} row ${String(row.id)}`).toEqual(row);
      }
      // No new rows except X's own (its new attachment rows, BDMs, instance action).
      const added = after[table].filter((r) => !rows.some((b) => JSON.stringify(b.id ?? b) === JSON.stringify(r.id ?? r)));
      for (const row of added) expect(relatedTo(row, x, xVolumes), `${table} new row ${JSON.stringify(row)}`).toBe(true);
    }

    // X's volumes are in-use on X at their old mount points: one live attachment row and BDM each.
    const cinder = lab.info.db.schemas.cinder;
    const nova = lab.info.db.schemas.nova;
    for (const pair of xPairs) {
      const attachments = await lab.rootQuery<{ mountpoint: string; attach_status: string }[]>(
        `SELECT mountpoint, attach_status FROM \`${cinder}\`.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [pair.volume, x],
      );
      expect(attachments).toEqual([{ mountpoint: pair.device, attach_status: 'attached' }]);
      const bdms = await lab.rootQuery<{ device_name: string }[]>(
        `SELECT device_name FROM \`${nova}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
        [pair.volume, x],
      );
      expect(bdms).toEqual([{ device_name: pair.device }]);
      const [volume] = await lab.rootQuery<{ status: string }[]>(`SELECT status FROM \`${cinder}\`.volumes WHERE id = ?`, [pair.volume]);
      expect(volume.status).toBe('in-use');
    }
    // The multi-attach volume's other attachment was never touched.
    const [otherAttachment] = await lab.rootQuery<{ n: number }[]>(
      `SELECT COUNT(*) AS n FROM \`${cinder}\`.volume_attachment WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`,
      [multi.volume, other],
    );
    expect(Number(otherAttachment.n)).toBe(1);

    const stats = await lab.stats();
    expect(stats.rebootsByServer).toEqual({ [x]: 1 });
    expect(Object.keys(stats.attachesByVolume).sort()).toEqual([...xVolumes].sort());
  });
});
