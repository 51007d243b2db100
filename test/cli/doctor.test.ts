// `novaops doctor`: each dependency checked, with a verdict and, on failure, what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
});
afterAll(async () => lab?.destroy());

describe('novaops doctor', () => {
  it('passes every check on a healthy lab', async () => {
    const result = await runCli(['doctor'], lab.env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const check of ['config', 'nova database', 'cinder database', 'OpenStack API', 'host compute1', 'host compute2']) {
      expect(result.stdout).toMatch(new RegExp(`^ok   ${check} — `, 'm'));
    }
    expect(result.stdout).toMatch(/^ok   host compute1 — local; iscsiadm answers \(0 sessions\)$/m);
    expect(result.stdout).toContain('all checks passed');
  });

  it('names what is broken and what to do, and exits 2', async () => {
    const config = await writeLabConfigVariant(lab, 'broken.yaml', (c) => {
      c.databases.cinder = { url: 'mysql+pymysql://cinder:hunter22@127.0.0.1:1/cinder' };
      c.hosts.compute2 = { via: 'ssh', address: '127.0.0.1', port: 1, user: 'root' };
    });
    const result = await runCli(['doctor'], { ...lab.env, NOVAOPS_CONFIG: config });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^ok   nova database/m);
    expect(result.stdout).toMatch(/^FAIL cinder database — .*127\.0\.0\.1:1/m);
    // The ssh reason, classified, with what to do about it (not the generic hint).
    expect(result.stdout).toMatch(/^FAIL host compute2 — connection refused \(root@127\.0\.0\.1:1\): ssh: connect to host 127\.0\.0\.1 port 1: Connection refused\n {5}-> nothing listens on 127\.0\.0\.1:1/m);
    expect(result.stdout).toMatch(/^ {5}-> check \[database\] connection/m);
    expect(result.stdout).toContain('2 check(s) failed');
    expect(result.stdout + result.stderr).not.toContain('hunter22');
  });

  it('shows each cell with its database, hosts and instances, and names the cell that does not answer', async () => {
    await lab.scenario('power-loss', { instances: 4, volumes: 2, seed: 3, cells: 2 });
    const healthy = await runCli(['doctor'], lab.env);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^ok   nova_api database — .*nova_api, 3 cell mapping\(s\)/m);
    expect(healthy.stdout).toMatch(/^ok   cell cell0 — \S+nova_cell0 at 127\.0\.0\.1:\d+: 0 compute host\(s\), 0 instance\(s\), instances that never scheduled$/m);
    expect(healthy.stdout).toMatch(/^ok   cell cell1 — \S+ at 127\.0\.0\.1:\d+: 1 compute host\(s\), \d+ instance\(s\)$/m);
    expect(healthy.stdout).toMatch(/^ok   cell cell2 — \S+nova_cell2 at 127\.0\.0\.1:\d+: 1 compute host\(s\), \d+ instance\(s\)$/m);
    const counts = [...healthy.stdout.matchAll(/^ok   cell cell[12] — .*, (\d+) instance\(s\)$/gm)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);

    // cell2 reached at an address where nothing listens: its line fails, the others stand.
    const config = await writeLabConfigVariant(lab, 'cell2-gone.yaml', (c) => {
      c.databases.cells = { cell2: { url: 'mysql+pymysql://nova:cellpw-9@127.0.0.1:1/nova_cell2' } };
    });
    const result = await runCli(['doctor'], { ...lab.env, NOVAOPS_CONFIG: config });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^ok   cell cell1 — /m);
    expect(result.stdout).toMatch(/^FAIL cell cell2 — nova_cell2 at 127\.0\.0\.1:1 does not answer: .*\n {5}-> .*databases\.cells\.<name>\.url/m);
    expect(result.stdout + result.stderr).not.toContain('cellpw-9');
  });
});
