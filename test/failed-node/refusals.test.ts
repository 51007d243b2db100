// What failed-node refuses, through the real CLI, each time with nothing changed (every row of nova,
// cinder and placement, the hosts' files, no mutating request):
//  - bad input (exit 2, before anything runs): unknown host, the same host twice, a malformed uuid,
//    an unknown method, a malformed host name;
//  - the target guard (exit 3, --json "refused"): a target whose nova-compute is down;
//  - the fencing guard (exit 3): the failed host's nova-compute reports up; or it is down but the host
//    still answers — unless the operator types its name with --fenced. A dry-run plans past it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineEvent } from '../../src/engine/events.js';
import { setHostPower, type FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { labToken, type TestLab } from '../support/lab.js';
import { createFailedNodeLab, dbDigest, failedNode, hostTreeDigest, runArgs, targetInstancesPath } from './support.js';

let lab: TestLab;
let s: FailedNodeSummary;

beforeAll(async () => {
  lab = await createFailedNodeLab();
  s = await failedNode(lab, { seed: 5 });
});
afterAll(async () => lab?.destroy());

/** Runs the CLI and checks that nothing changed: rows, files, requests. */
async function unchanged(args: string[]) {
  const db = await dbDigest(lab);
  const files = await hostTreeDigest(lab);
  await lab.resetStats();
  const result = await runCli(args, lab.env);
  expect(await dbDigest(lab)).toEqual(db);
  expect(await hostTreeDigest(lab)).toEqual(files);
  expect((await lab.stats()).mutatingRequests).toBe(0);
  return result;
}

const base = () => ['run', 'failed-node', '--yes'];

describe('failed-node bad input: exit 2, a clear message, nothing changed', () => {
  it('an unknown host, and --fenced naming another host: found before a run directory exists', async () => {
    const runs = () => readdir(join(lab.stateDir, 'runs')).catch(() => [] as string[]);
    const before = await runs();
    const typo = await unchanged([...base(), '--failed-host', s.failedHost, '--target-host', s.targetHost, '--fenced', 'compute9']);
    expect(typo.code, typo.stdout + typo.stderr).toBe(2);
    expect(typo.stderr).toContain(`--fenced compute9 does not name the failed host ${s.failedHost}`);
    const target = await unchanged([...base(), '--failed-host', s.failedHost, '--target-host', 'compute9']);
    expect(target.code, target.stdout + target.stderr).toBe(2);
    expect(target.stderr).toContain('--target-host compute9: no nova-compute service runs on a host of that name');
    const r = await unchanged([...base(), '--failed-host', 'compute9', '--target-host', s.targetHost]);
    expect(await runs()).toEqual(before);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--failed-host compute9: no nova-compute service runs on a host of that name');
    expect(r.stderr).toContain('compute1, compute2, compute3');
  });

  it('the same host twice', async () => {
    const r = await unchanged([...base(), '--failed-host', s.failedHost, '--target-host', s.failedHost]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--failed-host and --target-host are both ${s.failedHost}: the instances must move to another host`);
    expect(r.stdout).toBe('');
  });

  it('a malformed uuid for --test-instance', async () => {
    const r = await unchanged([...runArgs(lab, s), '--yes', '--test-instance', '3f57699a-e773-4650-a443-b4b37eed5a0?']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--test-instance: '3f57699a-e773-4650-a443-b4b37eed5a0?' is neither an instance UUID nor an instance name");
  });

  it('an --instances-path that is not a directory on the target, or the root: refused before a run directory exists', async () => {
    const runs = () => readdir(join(lab.stateDir, 'runs')).catch(() => [] as string[]);
    const before = await runs();
    const target = ['--failed-host', s.failedHost, '--target-host', s.targetHost, '--fenced', s.failedHost, '--allow-rebuild'];
    const file = await unchanged([...base(), ...target, '--instances-path', '/etc/passwd']);
    expect(file.code, file.stdout + file.stderr).toBe(2);
    expect(file.stderr).toContain(`--instances-path '/etc/passwd' is not a directory on ${s.targetHost}`);
    expect(file.stderr).toContain('instances_path of nova.conf');
    for (const root of ['/', '//']) {
      const r = await unchanged([...base(), ...target, '--instances-path', root]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('--instances-path / is the root directory, not an instances path');
    }
    expect(await runs()).toEqual(before);
  });

  it('an unknown method', async () => {
    const r = await unchanged([...runArgs(lab, s), '--yes', '--method', 'teleport']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--method 'teleport' is not a method: evacuate");
    expect(r.stdout).toBe('');
  });

  it('a malformed host name, and a missing one', async () => {
    const bad = await unchanged([...base(), '--failed-host', 'compute1;reboot', '--target-host', s.targetHost]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--failed-host 'compute1;reboot' is not a host name");
    const missing = await unchanged([...base(), '--target-host', s.targetHost]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--failed-host is required');
  });
});

describe('failed-node target guard: a target whose nova-compute is down is refused (exit 3), not bad input', () => {
  it('refuses at the first step that would change anything, with --json saying "refused", nothing changed', async () => {
    await setHostPower(lab.info.dir, 'compute3', false);
    try {
      await sleep(2000); // past service_down_time (1.5 s in this lab)
      const r = await unchanged([...base(), '--failed-host', s.failedHost, '--target-host', 'compute3', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
      const guard = events.find((e): e is Extract<EngineEvent, { type: 'guard' }> => e.type === 'guard' && e.name === 'target host usable')!;
      expect(guard).toMatchObject({ step: 'force-down', ok: false, detail: expect.stringContaining("compute3's nova-compute is down") });
      const end = events.find((e): e is Extract<EngineEvent, { type: 'run.end' }> => e.type === 'run.end')!;
      expect(end.outcome).toBe('refused');
      expect(end.summary).toContain('guard "target host usable" failed: compute3\'s nova-compute is down');
      expect(end.summary).toContain('nothing was changed');
      expect(r.stderr).toContain('novaops: refused: refused at step 1');
    } finally {
      await setHostPower(lab.info.dir, 'compute3', true);
    }
  });
});

describe('failed-node fencing guard: exit 3, names the host, nothing changed', () => {
  it("refuses while the failed host's nova-compute reports up", async () => {
    await setHostPower(lab.info.dir, s.failedHost, true);
    try {
      await sleep(600); // a few heartbeats
      for (const mode of [['--dry-run'], []]) {
        const r = await unchanged([...runArgs(lab, s), '--yes', '--allow-rebuild', ...mode]);
        expect(r.code, r.stdout + r.stderr).toBe(3);
        expect(r.stdout).toContain(`guard "failed host fenced": FAILED — ${s.failedHost}'s nova-compute reports UP`);
        expect(r.stdout).toContain(`Power ${s.failedHost} off or fence it`);
      }
    } finally {
      await setHostPower(lab.info.dir, s.failedHost, false);
    }
  });

  it('refuses a host whose service is down but which still answers, unless --fenced names it', async () => {
    // Powered on (its iscsiadm answers) but its service forced down through the API: Nova says down, the host is alive.
    await setHostPower(lab.info.dir, s.failedHost, true);
    const { token, compute } = await labToken(lab.info);
    const put = await fetch(`${compute}/os-services/${s.failedService.uuid}`, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/json', 'OpenStack-API-Version': 'compute 2.53' },
      body: JSON.stringify({ forced_down: true }),
    });
    expect(put.status).toBe(200);
    try {
      const r = await unchanged([...runArgs(lab, s), '--yes', '--allow-rebuild']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).toContain(`${s.failedHost}'s nova-compute is down (forced down)`);
      expect(r.stdout).toContain(`but ${s.failedHost} answers`);
      expect(r.stdout).toContain(`--fenced ${s.failedHost}`);

      const typo = await unchanged([...runArgs(lab, s), '--yes', '--fenced', 'compute2']);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain(`--fenced compute2 does not name the failed host ${s.failedHost}`);

      const declared = await unchanged([...runArgs(lab, s), '--dry-run', '--allow-rebuild', '--fenced', s.failedHost]);
      expect(declared.code, declared.stdout + declared.stderr).toBe(0);
      expect(declared.stdout).toContain(`NOT shown to be off (${s.failedHost} answers`);
      expect(declared.stdout).toContain(`declared it fenced (--fenced ${s.failedHost})`);
    } finally {
      await setHostPower(lab.info.dir, s.failedHost, false);
    }
  });

  it('does not answer for a host missing from the config: asks for --fenced', async () => {
    // Same lab, a config that does not know the failed host.
    const { writeLabConfigVariant } = await import('../support/lab-config.js');
    const config = await writeLabConfigVariant(lab, 'no-failed-host.yaml', (c) => delete c.hosts[s.failedHost]);
    const db = await dbDigest(lab);
    const r = await runCli(
      ['run', 'failed-node', '--failed-host', s.failedHost, '--target-host', s.targetHost, '--instances-path', targetInstancesPath(lab, s), '--dry-run'],
      { ...lab.env, NOVAOPS_CONFIG: config },
    );
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain(`${s.failedHost} is not in the novaops config (hosts:), so novaops cannot ask it`);
    expect(await dbDigest(lab)).toEqual(db);
    // The dry-run plans past the failed guard: the evacuation plan is there before --fenced is given,
    // every step a live run would stop is marked, and the count says what will move and what will not.
    expect(r.stdout).toContain('would be blocked by "failed host fenced"');
    expect(r.stdout).toMatch(/-> planned: \d+ item\(s\) planned, none executed \(dry-run\); would be blocked by "failed host fenced"/);
    const keep = s.instances.filter((i) => i.kind === 'boot-from-volume');
    const held = s.instances.filter((i) => i.kind === 'image' || i.kind === 'image-with-volumes');
    for (const i of keep) expect(r.stdout).toContain(`server evacuate --host ${s.targetHost} ${i.uuid}`);
    for (const i of held) expect(r.stdout).not.toContain(`server evacuate --host ${s.targetHost} ${i.uuid}`);
    const found = s.instances.filter((i) => i.kind !== 'service-vm').length;
    expect(r.stdout).toContain(
      `${found} instance(s) on ${s.failedHost}: ${keep.length} to evacuate, ${held.length} held back (${held.length} image-backed, no --allow-rebuild)`,
    );
    expect(r.stdout).toMatch(/== PLANNED: dry-run: .* A live run would be refused: step \d+ \(.*\) would be blocked by "failed host fenced"/);
  });
});
