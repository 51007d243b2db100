// Compute hosts from the Compute API when the config names none: the lab's os-hypervisors (over
// HTTP) gives each host's service.host and its loopback host_ip, the config's ssh: section says
// how to log in. doctor then shows, per host, whether it is reachable and why not (each failure
// real: an sshd that refuses the key, a wrong and an unknown host key, nothing listening), and a
// runbook reaches a discovered host by its Nova name.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { doctorChecks } from '../../src/cli/doctor-checks.js';
import { createEffects } from '../../src/effects/create-effects.js';
import { discoverComputeHosts } from '../../src/effects/hosts/discover-hosts.js';
import { freeLoopbackPort, hostPaths, hostAddress, volumeIqn, writeSessionTable } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { sshdAvailable, sshdSkipReason, startSshd, type TestSshd } from '../support/sshd.js';

let lab: TestLab;
let good: TestSshd;
let other: TestSshd;
let dir: string;
let knownHosts: string;
let env: Record<string, string>;
let volume: string;
let sid: number;
const HOSTS = ['compute1', 'compute2', 'compute3', 'compute4', 'compute5'];
const addr = (h: string) => hostAddress(h);

afterAll(async () => {
  await good?.stop();
  await other?.stop();
  await lab?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!sshdAvailable)(`compute hosts from the Compute API ${sshdSkipReason}`.trim(), () => {
  beforeAll(async () => {
    lab = await createTestLab({ hosts: 5 });
    const scenario = await lab.scenario('power-loss', { instances: 10, volumes: 12, seed: 9, liveSession: true });
    // compute1 holds a session of one of its volumes.
    const a = scenario.attached.find((x) => x.host === 'compute1' && !scenario.multiattach?.attachments.some((m) => m.volume === x.volume))!;
    volume = a.volume;
    [sid] = await writeSessionTable(lab.info.dir, 'compute1', [volumeIqn(`volume-${volume}`)], 7);
    const port = await freeLoopbackPort();
    // compute1: the host, executing. compute2, 3, 5: another server, whose authorized_keys has not our key.
    good = await startSshd({ listenOnly: [addr('compute1')], port, execute: { pathPrepend: [hostPaths(lab.info.dir, 'compute1').bin] } });
    other = await startSshd({ listenOnly: [addr('compute2'), addr('compute3'), addr('compute5')], port });
    dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-discovered-'));
    knownHosts = path.join(dir, 'known_hosts');
    // compute3's line names a key it does not have; compute4 has nothing listening; compute5 has no line.
    await writeFile(knownHosts, good.knownHostsLine(addr('compute1')) + other.knownHostsLine(addr('compute2')) + other.knownHostsLine(addr('compute3'), other.otherPublicKey), { mode: 0o600 });
    const config = await writeLabConfigVariant(lab, 'discovered.yaml', (doc) => {
      delete doc.hosts;
      doc.ssh = { user: good.user, port, identity_file: good.identityFile, known_hosts_file: knownHosts };
    });
    env = { ...lab.env, NOVAOPS_CONFIG: config };
  });

  test('os-hypervisors/detail names each host by service.host at a loopback host_ip; ssh: supplies the rest', async () => {
    const config = await loadConfig({ configPath: env.NOVAOPS_CONFIG, env: { ...process.env, ...env } });
    expect(config.hosts).toEqual({});
    const effects = createEffects(config);
    try {
      const found = await discoverComputeHosts(effects.openstack, config.ssh);
      expect(found.skipped).toEqual([]);
      expect(Object.keys(found.hosts).sort()).toEqual(HOSTS);
      for (const h of HOSTS) {
        expect(found.hosts[h]).toEqual({ via: 'ssh', address: addr(h), port: good.port, user: good.user, identityFile: good.identityFile, knownHostsFile: knownHosts });
        expect(addr(h)).toMatch(/^127\.0\.0\.\d+$/);
      }
      expect(effects.hosts.known()).toEqual([]);
      await effects.hosts.discover();
      expect(effects.hosts.known().sort()).toEqual(HOSTS);
    } finally {
      await effects.close();
    }
  });

  test('doctor: one line per host, reachable or the ssh reason with what to do', async () => {
    const before = await readFile(knownHosts);
    const r = await runCli(['doctor'], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const port = good.port;
    expect(r.stdout).toMatch(/^ok   compute hosts — 5 from the Compute API/m);
    expect(r.stdout).toContain(`ok   host compute1 — reachable over ssh (${good.user}@${addr('compute1')}:${port}), key matches ${knownHosts}; iscsiadm answers (1 session)`);
    expect(r.stdout).toMatch(new RegExp(`^FAIL host compute2 — auth refused \\(.*${addr('compute2')}:${port}\\): .*Permission denied`, 'm'));
    expect(r.stdout).toMatch(/^FAIL host compute3 — host key mismatch \(.*\): Offending ED25519 key in .*known_hosts:3\n {5}-> the key .* offers is not the one .* holds for \[127\.0\.0\.13\]:\d+/m);
    expect(r.stdout).toMatch(/^FAIL host compute4 — connection refused .*\n {5}-> nothing listens on 127\.0\.0\.14:\d+/m);
    expect(r.stdout).toMatch(/^FAIL host compute5 — unknown host key .*\n {5}-> .* has no key for \[127\.0\.0\.15\]:\d+.*never adds keys/m);
    expect(r.stdout).toContain('4 check(s) failed');
    expect((await readFile(knownHosts)).equals(before)).toBe(true);
  });

  test("the TUI's health line (doctorChecks): one check for the discovered hosts, naming those not usable", async () => {
    const config = await loadConfig({ configPath: env.NOVAOPS_CONFIG, env: { ...process.env, ...env } });
    const effects = createEffects(config);
    try {
      const check = doctorChecks(config, effects).find((c) => c.name === 'compute hosts')!;
      await expect(check.run()).rejects.toThrow('4 of 5 compute host(s) not usable: compute2, compute3, compute4, compute5');
    } finally {
      await effects.close();
    }
  });

  test('iscsi-cleanup --host compute1 reaches the discovered host over ssh; an unknown --host is refused (exit 2)', async () => {
    const unknown = await runCli(['run', 'iscsi-cleanup', '--host', 'compute9', '--volume', volume, '--yes'], env);
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(2);
    expect(unknown.stdout + unknown.stderr).toMatch(/unknown host 'compute9'; the config knows: compute1, compute2, compute3, compute4, compute5/);
    const seen = good.connections().length;
    const r = await runCli(['run', 'iscsi-cleanup', '--host', 'compute1', '--volume', volume, '--yes'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await readFile(hostPaths(lab.info.dir, 'compute1').sessions, 'utf8')).not.toContain(`[${sid}]`);
    expect(good.connections().slice(seen)).toHaveLength(1);
  });
});

describe.skipIf(!sshdAvailable)(`hypervisors that cannot be reached safely ${sshdSkipReason}`.trim(), () => {
  test('an empty or hostile host_ip is left out and named, never passed to ssh', async () => {
    const nova = lab.info.db.schemas.nova;
    await lab.rootQuery(`UPDATE \`${nova}\`.compute_nodes SET host_ip = NULL WHERE host = 'compute4'`);
    await lab.rootQuery(`UPDATE \`${nova}\`.compute_nodes SET host_ip = '-oProxyCommand=x' WHERE host = 'compute5'`);
    const config = await loadConfig({ configPath: env.NOVAOPS_CONFIG, env: { ...process.env, ...env } });
    const effects = createEffects(config);
    try {
      const found = await effects.hosts.discover();
      expect(Object.keys(found.hosts).sort()).toEqual(['compute1', 'compute2', 'compute3']);
      expect(found.skipped).toEqual([
        'compute4: host_ip is empty; name it under hosts: to reach it',
        "compute5: host_ip '-oProxyCommand=x' is not an address; name it under hosts: to reach it",
      ]);
      await expect(effects.hosts.run('compute5', ['true'])).rejects.toThrow(/unknown host 'compute5'/);
    } finally {
      await effects.close();
    }
  });
});
