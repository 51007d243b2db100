// Acceptance 3: iscsi-cleanup never builds an `iscsiadm ... -u` / `--logout` without `-r N`. Every
// input path runs in-process on the lab (dry-run and live), and every shell operation planned or
// started is checked. The lab's hosts answer -P 3 with their SCSI disks and multipath -l with the
// map of a two-portal volume, and log every device change: the order flush -> delete -> logout is
// read from what the host did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertShellAllowed } from '../../src/engine/shell-policy.js';
import { type ScenarioSummary, hostPaths, volumeIqn, writeSessionTable, deviceOpsLog } from '../../src/lab/index.js';
import { readFile } from 'node:fs/promises';
import { iscsiCleanup } from '../../runbooks/iscsi-cleanup/runbook.js';
import { logoutSessionOp } from '../../src/operations/iscsi.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;
let scenario: ScenarioSummary;
let host: string;
let volumes: string[];

function logsOutWithoutOneSession(argv: readonly string[]): boolean {
  const i = argv.indexOf('iscsiadm');
  if (i < 0) return false;
  const rest = argv.slice(i);
  if (!rest.some((a) => a === '-u' || a === '--logout' || a.startsWith('--logoutall'))) return false;
  const r = rest.indexOf('-r');
  return !(r >= 0 && /^[1-9]\d*$/.test(rest[r + 1] ?? '') && rest.filter((a) => a === '-r' || a.startsWith('--sid')).length === 1);
}

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  engine = await labEngine(lab);
  scenario = await lab.scenario('power-loss', { instances: 10, volumes: 18, seed: 5, liveSession: true });
  host = scenario.liveSessionVolume!.host;
  volumes = [...new Set(scenario.attached.filter((a) => a.host === host && !scenario.multiattach?.attachments.some((m) => m.volume === a.volume)).map((a) => a.volume))];
  // Two sessions (two portals) for the first volume, one for the others.
  await writeSessionTable(lab.info.dir, host, [volumeIqn(`volume-${volumes[0]}`), ...volumes.slice(1).map((v) => volumeIqn(`volume-${v}`))], 1);
  const file = hostPaths(lab.info.dir, host).sessions;
  const text = await readFile(file, 'utf8');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, text + `tcp: [40] 127.0.0.2:3260,1 ${volumeIqn(`volume-${volumes[0]}`)} (non-flash)\n`);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

describe('iscsi-cleanup builds no logout without -r N', () => {
  it('the builder and the engine policy', () => {
    for (const sid of [1, 9, 42, 65535]) expect(logoutSessionOp('c1', sid, {}).argv).toEqual(['iscsiadm', '-m', 'session', '-r', String(sid), '-u']);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => logoutSessionOp('c1', bad, {})).toThrow(/session id/);
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'session', '-u'])).toThrow(/exactly one session/);
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'node', '--logoutall=all'])).toThrow(/every iSCSI session/);
  });

  it('on every input path, dry-run and live, with and without devices', async () => {
    const started: string[][] = [];
    const planned: string[][] = [];
    const paths: Record<string, unknown>[] = [
      { host, volume: volumes[0] }, // two sessions, one per portal: each logged out by its id
      { host, session: '2' },
      { host, session: '3', volume: volumes[2] },
      { host, session: '1' }, // refused: volume 0 has two sessions
      { host, session: '4', volume: volumes[0] }, // refused by the guard: not that volume's session
      { host, volume: volumes[3], reconnect: true, portal: '127.0.0.1', target: volumeIqn(`volume-${volumes[3]}`) },
      { host, volume: volumes[4], reconnect: true, portal: '10.255.255.1', target: volumeIqn(`volume-${volumes[4]}`) },
      { host, session: '999' },
      { host: 'compute9', volume: volumes[0] },
    ];
    const effects = engine.effects;
    const { startRun } = await import('../../src/engine/runner.js');
    const { assumeYes } = await import('../../src/engine/prompter.js');
    const { Redactor } = await import('../../src/engine/redact.js');
    const outcomes: string[] = [];
    for (const mode of ['dry-run', 'live'] as const) {
      for (const raw of paths) {
        const parsed = iscsiCleanup.params.safeParse(raw);
        expect(parsed.success, JSON.stringify(raw)).toBe(true);
        const result = await startRun(
          { runbook: iscsiCleanup, params: parsed.data!, mode, abandonUnfinished: true },
          {
            config: engine.config,
            effects,
            redactor: new Redactor([]),
            prompter: assumeYes,
            onBus: (bus) =>
              bus.subscribe((e) => {
                if (e.type === 'op.planned' && e.op.kind === 'shell' && e.op.argv) planned.push(e.op.argv);
                if (e.type === 'op.start' && mode === 'live') started.push(e.command.split(' '));
              }),
          },
        );
        outcomes.push(`${mode} ${JSON.stringify(raw)} -> ${result.exitCode}`);
      }
    }
    // The paths did what they are for: devices flushed and deleted before the logouts; refusals refused.
    expect(outcomes.filter((o) => o.startsWith('live')).map((o) => Number(o.split('-> ')[1]))).toEqual([0, 0, 0, 2, 3, 0, 1, 2, 2]);
    // What the host did, in order: the map of volume 0's two sessions flushed, then each disk's
    // buffers flushed and the disk deleted, and only then its sessions logged out, each by its id.
    const done = (await readFile(deviceOpsLog(hostPaths(lab.info.dir, host).iscsiDir), 'utf8')).split('\n').filter(Boolean);
    expect(done.slice(0, 5)).toEqual(['multipath -f mpatha', 'blockdev --flushbufs /dev/sdb', 'delete sdb', 'blockdev --flushbufs /dev/sdao', 'delete sdao']);
    // The logouts are items of their own step, side by side.
    expect(done.slice(5, 7).sort()).toEqual(['iscsiadm -m session -r 1 -u', 'iscsiadm -m session -r 40 -u']);
    for (const sid of [1, 2, 3, 4, 5, 40]) {
      const at = done.indexOf(`iscsiadm -m session -r ${sid} -u`);
      expect(at, `session ${sid}`).toBeGreaterThan(done.indexOf(`delete ${sid === 40 ? 'sdao' : `sd${String.fromCharCode(97 + sid)}`}`));
    }
    expect(done.filter((l) => / -u$/.test(l)).sort()).toEqual(['iscsiadm -m session -r 1 -u', 'iscsiadm -m session -r 2 -u', 'iscsiadm -m session -r 3 -u', 'iscsiadm -m session -r 4 -u', 'iscsiadm -m session -r 40 -u', `iscsiadm -m session -r 5 -u`].sort());
    const all = [...planned, ...started];
    expect(all.some((a) => a.includes('-u'))).toBe(true);
    expect(all.filter(logsOutWithoutOneSession)).toEqual([]);
    for (const argv of all) expect(() => assertShellAllowed(argv)).not.toThrow();
  });
});
