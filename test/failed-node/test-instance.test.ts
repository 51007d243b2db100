// --test-instance: the rehearsal moves one instance and nothing else, on either path. Every other
// row of nova, cinder and placement is unchanged, compared row by row — the failed host's service
// included (a rehearsal does not force it down) — and so is every other instance's file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { labPaths, type FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import type { TestLab } from '../support/lab.js';
import { allRows, createFailedNodeLab, expectEndState, expectOnlyRelatedChanged, failedNode, hostTreeDigest, relatedFor, runArgs } from './support.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createFailedNodeLab();
});
afterAll(async () => lab?.destroy());

/** The host files of everything but instance x's directories. */
function withoutInstance(tree: Record<string, string>, x: string): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([p]) => !p.split(path.sep).includes(x)));
}

describe('failed-node --test-instance', () => {
  it('evacuate: moves the chosen instance (by name) and nothing else; the service is not forced down', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 31 });
    const x = s.instances.find((i) => i.kind === 'boot-from-volume' && i.volumes.length > 1)!;
    expect(x).toBeDefined();
    const before = await allRows(lab);
    const files = await hostTreeDigest(lab);
    await lab.resetStats();

    const run = await runCli([...runArgs(lab, s), '--test-instance', x.name, '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`test mode: scoped to instance`);
    expect(run.stdout).toContain(`rehearsal: ${s.failedHost}'s nova-compute is left as it is`);

    await expectEndState(lab, s, [x.uuid], { attachedHost: s.targetHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, [x.uuid], { services: false }));
    const stats = await lab.stats();
    expect(stats.evacuationsByServer).toEqual({ [x.uuid]: 1 });
    expect(stats.requests['PUT compute /os-services/{id}'] ?? 0).toBe(0);
    // Files: only x's directory on the target, and the target's iSCSI sessions, which now hold x's volumes only.
    const sessions = path.join(s.targetHost, 'var', 'lib', 'iscsi');
    const notSessions = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => !p.startsWith(sessions)));
    expect(notSessions(withoutInstance(await hostTreeDigest(lab), x.uuid))).toEqual(notSessions(withoutInstance(files, x.uuid)));
    const lines = (await readFile(path.join(lab.info.dir, 'hosts', sessions, 'sessions'), 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBe(x.volumes.length);
    for (const line of lines) expect(x.volumes.some((v) => line.includes(v.id))).toBe(true);
  });

  it('--method db: moves, edits and reboots the chosen instance and nothing else', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 32, sharedStorage: true, legacyLibvirtXml: true });
    const x = s.instances.find((i) => i.kind === 'image-with-volumes')!;
    const before = await allRows(lab);
    const files = await hostTreeDigest(lab);
    await lab.resetStats();

    const run = await runCli([...runArgs(lab, s, '--method', 'db'), '--test-instance', x.uuid, '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('UPDATE instances SET host = ?, node = ?');
    expect(run.stdout).toContain(`move-db#`);

    await expectEndState(lab, s, [x.uuid], { attachedHost: s.failedHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, [x.uuid], { services: false }));
    const stats = await lab.stats();
    expect(stats.rebootsByServer).toEqual({ [x.uuid]: 1 });
    // With shared storage every host sees the instance's directory: only x's changed, on any host.
    const after = await hostTreeDigest(lab);
    expect(withoutInstance(after, x.uuid)).toEqual(withoutInstance(files, x.uuid));
    const changed = Object.keys(after).filter((p) => after[p] !== files[p]);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((p) => p.includes(x.uuid))).toBe(true);
    expect(labPaths(lab.info.dir).hostsDir).toBeTruthy();
  });

  it('refuses an instance that is not on the failed host (exit 2, nothing changed)', async () => {
    const s: FailedNodeSummary = await failedNode(lab, { seed: 33 });
    const elsewhere = s.otherInstances[0];
    const before = await allRows(lab);
    const run = await runCli([...runArgs(lab, s), '--test-instance', elsewhere.uuid, '--yes'], lab.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`is on ${elsewhere.host}`);
    expect(run.stderr).toContain(`not on the failed host ${s.failedHost}`);
    expect(await allRows(lab)).toEqual(before);
  });
});
