// drp on the legacy nova-volume layout (DESIGN.md section 7): the guide's own SQL, narrowed to
// the captured volumes, then reboots and re-attaches through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, LAB_DB_URL, type TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab({ flavour: 'nova-volume' });
  scenario = await lab.scenario('power-loss', { instances: 10, volumes: 14, seed: 8 });
});
afterAll(async () => lab?.destroy());

describe('drp on nova-volume', () => {
  it('is a schema from before cells v2: a config that maps cells (nova_api) is refused, exit 2, before a run exists', async () => {
    const config = await writeLabConfigVariant(lab, 'with-nova-api.yaml', (doc) => {
      doc.databases.nova_api = { url: `${LAB_DB_URL}/${lab.info.db.schemas.novaApi}` };
    });
    const before = await checksums(lab);
    const r = await runCli(['run', 'drp', '--dry-run'], { ...lab.env, NOVAOPS_CONFIG: config });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cell cell1 \([^)]+\) has the nova-volume schema \(volumes kept in nova\), which predates cells v2, yet nova_api maps cells/);
    expect(r.stdout).toContain('no run directory was created');
    expect(await checksums(lab)).toEqual(before);
  });

  it('detects the flavour, cleans with the guide statements and restores every attachment', async () => {
    const dry = await runCli(['run', 'drp', '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('schema flavour: nova-volume');
    expect(dry.stdout).toContain('plan: SQL [nova] UPDATE volumes SET mountpoint = NULL WHERE id IN (?');
    expect(dry.stdout).toContain("plan: SQL [nova] UPDATE volumes SET status = 'available' WHERE status <> 'error_deleting' AND id IN (?");
    expect(dry.stdout).toContain("plan: SQL [nova] UPDATE volumes SET attach_status = 'detached' WHERE id IN (?");
    expect(dry.stdout).toContain('plan: SQL [nova] UPDATE volumes SET instance_id = 0 WHERE id IN (?');

    const result = await runCli(['run', 'drp', '--yes'], lab.env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const nova = lab.info.db.schemas.nova;
    for (const pair of scenario.attached) {
      const rows = await lab.rootQuery<{ status: string; attach_status: string; mountpoint: string; uuid: string }[]>(
        `SELECT v.status, v.attach_status, v.mountpoint, i.uuid FROM \`${nova}\`.volumes v JOIN \`${nova}\`.instances i ON i.id = v.instance_id WHERE v.id = ?`,
        [Number(pair.volume)],
      );
      expect(rows, `volume ${pair.volume}`).toEqual([{ status: 'in-use', attach_status: 'attached', mountpoint: pair.device, uuid: pair.instance }]);
    }
    for (const id of scenario.errorDeleting) {
      const [row] = await lab.rootQuery<{ status: string }[]>(`SELECT status FROM \`${nova}\`.volumes WHERE id = ?`, [Number(id)]);
      expect(row.status).toBe('error_deleting');
    }
  });
});
