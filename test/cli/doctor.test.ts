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
});
