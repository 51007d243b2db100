// The target's instances path comes from the target's own nova.conf (over its host channel), not a
// default guessed on the operator's side: the lab's hosts, like the real beds' computes, keep their
// instances under their own directories. Given the shared-storage scenario and no --instances-path,
// failed-node must see every instance directory on the target and plan no rebuild.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { hostPaths, type FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import type { TestLab } from '../support/lab.js';
import { createFailedNodeLab, dbDigest, failedNode, runArgs } from './support.js';

let lab: TestLab;
let s: FailedNodeSummary;

beforeAll(async () => {
  lab = await createFailedNodeLab();
  s = await failedNode(lab, { sharedStorage: true, seed: 41 });
});
afterAll(async () => lab?.destroy());

describe('failed-node: the instances path from the target host', () => {
  it('without --instances-path, reads instances_path from the target\'s nova.conf and sees the shared directories', async () => {
    const db = await dbDigest(lab);
    const dry = await runCli([...runArgs(lab, s), '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const dir = hostPaths(lab.info.dir, s.targetHost).instancesDir;
    const movable = s.instances.filter((i) => i.kind !== 'service-vm');
    expect(dry.stdout).toContain(`${s.targetHost} sees ${movable.length} of ${movable.length} instance directories under ${dir} (${s.targetHost}:/etc/nova/nova.conf [DEFAULT] instances_path)`);
    // Every instance keeps its disk: none held back, none rebuilt from its image.
    expect(dry.stdout).not.toMatch(/HELD|held back: evacuate:|rebuilt from (its|their) image/);
    for (const i of movable) expect(dry.stdout).toContain(`server evacuate --host ${s.targetHost} ${i.uuid}`);
    expect(await dbDigest(lab)).toEqual(db);
  });

  it('says where the path came from when nova.conf sets only state_path, and when it has no nova.conf', async () => {
    const conf = hostPaths(lab.info.dir, s.targetHost).novaConf;
    const statePath = hostPaths(lab.info.dir, s.targetHost).instancesDir.replace(/\/instances$/, '');
    await writeFile(conf, `[DEFAULT]\nstate_path = ${statePath}\n`);
    const fromState = await runCli([...runArgs(lab, s), '--dry-run'], lab.env);
    expect(fromState.code, fromState.stdout + fromState.stderr).toBe(0);
    expect(fromState.stdout).toContain(`under ${statePath}/instances (${s.targetHost}:the default $state_path/instances (state_path from /etc/nova/nova.conf))`);

    await writeFile(conf, '');
    const { rm } = await import('node:fs/promises');
    await rm(conf);
    const none = await runCli([...runArgs(lab, s), '--dry-run'], lab.env);
    expect(none.code, none.stdout + none.stderr).toBe(0);
    // Whether /var/lib/nova/instances exists depends on this machine (a lab host's commands run here):
    // what matters is where the path came from, said in either line.
    expect(none.stdout).toContain(`/var/lib/nova/instances (${s.targetHost}:the default $state_path/instances (the default state_path /var/lib/nova); ${s.targetHost} has none of /etc/nova/nova.conf, /etc/nova/nova-compute.conf)`);
  });
});
