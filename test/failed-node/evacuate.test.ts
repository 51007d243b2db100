// failed-node, the default path (evacuate), through the real CLI against a lab whose compute1 died:
// a dry-run changes nothing; a run without --allow-rebuild moves the instances that keep their disks
// and holds back, by name, the image-backed ones without shared storage, and ends "completed, N
// held back" (exit 5), not "completed"; a second run with
// --allow-rebuild moves the rest. The end state is read back row by row; every row of anything else
// is unchanged; each instance was evacuated exactly once; the service VM stays where it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import type { FailedNodeSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import type { TestLab } from '../support/lab.js';
import { allRows, createFailedNodeLab, dbDigest, expectEndState, expectOnlyRelatedChanged, failedNode, hostTreeDigest, relatedFor, runArgs } from './support.js';

let lab: TestLab;
let s: FailedNodeSummary;

beforeAll(async () => {
  lab = await createFailedNodeLab();
  s = await failedNode(lab);
});
afterAll(async () => lab?.destroy());

describe('failed-node --method evacuate', () => {
  it('dry-run: prints the plan, changes nothing (rows, files, no mutating request)', async () => {
    const db = await dbDigest(lab);
    const files = await hostTreeDigest(lab);
    await lab.resetStats();

    const dry = await runCli([...runArgs(lab, s), '--allow-rebuild', '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const lines = dry.stdout.split('\n').filter((l) => l.trim());
    expect(lines.every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);
    expect(dry.stdout).toContain(`openstack --os-compute-api-version 2.53 compute service set --down ${s.failedHost} nova-compute`);
    // A Zed cloud (the lab's default release): its version document offers up to 2.93, so 2.29.
    expect(dry.stdout).toContain('Compute API offers 2.1–2.93: evacuate at 2.29 (Nova brings each instance back as it was');
    expect(dry.stdout).toContain(`openstack --os-compute-api-version 2.29 server evacuate --host ${s.targetHost}`);
    expect(dry.stdout).toContain('evacuated at compute microversion 2.29: Nova brings each instance back as it was, nothing to start');
    const movable = s.instances.filter((i) => i.kind !== 'service-vm');
    for (const i of movable) expect(dry.stdout).toContain(`server evacuate --host ${s.targetHost} ${i.uuid}`);
    const amphora = s.instances.find((i) => i.kind === 'service-vm')!;
    expect(dry.stdout).not.toContain(`server evacuate --host ${s.targetHost} ${amphora.uuid}`);
    expect(dry.stdout).toContain(`service VM(s) left on ${s.failedHost}`);
    expect(dry.stdout).toContain(amphora.name);

    expect(await dbDigest(lab)).toEqual(db);
    expect(await hostTreeDigest(lab)).toEqual(files);
    const stats = await lab.stats();
    expect(stats.mutatingRequests).toBe(0);
    expect(stats.evacuationsByServer).toEqual({});
  });

  it('holds back image-backed instances without shared storage, by name, unless --allow-rebuild: completed, N held back, exit 5', async () => {
    const before = await allRows(lab);
    await lab.resetStats();
    const run = await runCli([...runArgs(lab, s), '--yes', '--json'], lab.env);
    // Not "completed", not exit 0: a script must not read this as "the failed host is empty".
    expect(run.code, run.stdout + run.stderr).toBe(5);

    const keep = s.instances.filter((i) => i.kind === 'boot-from-volume').map((i) => i.uuid);
    const held = s.instances.filter((i) => i.kind === 'image' || i.kind === 'image-with-volumes');
    expect(keep.length).toBeGreaterThan(0);
    expect(held.length).toBeGreaterThan(0);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
    const end = events.find((e): e is Extract<EngineEvent, { type: 'run.end' }> => e.type === 'run.end')!;
    expect(end.outcome).toBe('completed-held-back');
    expect(end.heldBack!.map((h) => h.key).sort()).toEqual(held.map((i) => `evacuate:${i.uuid}`).sort());
    for (const h of end.heldBack!) expect(h.reason).toMatch(/is image-backed and its disk is on .* only \(no shared storage\): .*Rerun with --allow-rebuild/);
    expect(end.summary).toMatch(new RegExp(`^completed, ${held.length} held back: evacuate:`));
    expect(run.stderr).toContain(`novaops: completed-held-back: completed, ${held.length} held back: evacuate:`);

    // The same run as the operator reads it: the summary line names each held instance and why.
    const runId = (events[0] as Extract<EngineEvent, { type: 'run.start' }>).runId;
    const shown = await runCli(['transcripts', 'show', runId], lab.env);
    expect(shown.code, shown.stderr).toBe(0);
    const summary = shown.stdout.split('\n').find((l) => l.startsWith('== COMPLETED'))!;
    expect(summary).toMatch(new RegExp(`^== COMPLETED, ${held.length} HELD BACK: completed, ${held.length} held back: `));
    for (const i of held) {
      expect(summary).toContain(`evacuate:${i.uuid} (${i.name} (${i.uuid}) is image-backed and its disk is on ${s.failedHost} only`);
      expect(shown.stdout).toMatch(new RegExp(`HELD +evacuate:${i.uuid}: ${i.name} \\(${i.uuid}\\) is image-backed and its disk is on ${s.failedHost} only`));
    }
    const list = await runCli(['transcripts', 'list'], lab.env);
    expect(list.stdout.split('\n').find((l) => l.startsWith(runId))).toMatch(new RegExp(`live +completed, ${held.length} held back`));
    const stats = await lab.stats();
    expect(stats.evacuationsByServer).toEqual(Object.fromEntries(keep.map((u) => [u, 1])));

    await expectEndState(lab, s, keep, { attachedHost: s.targetHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, keep));
    // The held-back instances are untouched on the failed host.
    const { nova } = lab.info.db.schemas;
    for (const i of held) {
      const [row] = await lab.rootQuery<any[]>(`SELECT host, task_state FROM \`${nova}\`.instances WHERE uuid = ?`, [i.uuid]);
      expect(row).toEqual({ host: s.failedHost, task_state: null });
    }
  });

  it('with --allow-rebuild moves the rest, each once, and leaves only the service VM', async () => {
    const before = await allRows(lab);
    await lab.resetStats();
    const run = await runCli([...runArgs(lab, s), '--allow-rebuild', '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('will be REBUILT from their image');

    const rest = s.instances.filter((i) => i.kind === 'image' || i.kind === 'image-with-volumes').map((i) => i.uuid);
    const stats = await lab.stats();
    expect(stats.evacuationsByServer).toEqual(Object.fromEntries(rest.map((u) => [u, 1])));
    // At 2.29 nothing is started: Nova brought each back as it was.
    for (const u of rest) expect(stats.appliedByServer[u]).toEqual({ evacuate: 1 });
    await expectEndState(lab, s, rest, { attachedHost: s.targetHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, rest));

    // Every instance of the failed host is on the target now, but the service VM.
    const { nova } = lab.info.db.schemas;
    const left = await lab.rootQuery<{ uuid: string }[]>(`SELECT uuid FROM \`${nova}\`.instances WHERE host = ? AND deleted = 0`, [s.failedHost]);
    expect(left.map((r) => r.uuid)).toEqual([s.instances.find((i) => i.kind === 'service-vm')!.uuid]);
    // The stopped instance came back stopped.
    const stopped = s.instances.find((i) => i.vmState === 'stopped')!;
    expect(run.stdout).toContain(`evacuate:${stopped.uuid}: SHUTOFF on ${s.targetHost}`);
    // The failed host's service stays forced down: it must not come back into scheduling by itself.
    const [svc] = await lab.rootQuery<any[]>(`SELECT forced_down FROM \`${nova}\`.services WHERE host = ? AND \`binary\` = 'nova-compute'`, [s.failedHost]);
    expect(Number(svc.forced_down)).toBe(1);
    expect(run.stdout).toContain(`none of them left on ${s.failedHost}`);
  });
});
