// Acceptance 3: iscsi-cleanup never builds an `iscsiadm ... -u` / `--logout` without `-r N`. Every
// input path runs in-process on the lab (dry-run and live), and every shell operation planned or
// started is checked. The devices path (-P 3 "Attached scsi disk", multipath -ll) is answered by a
// test double around the lab's hosts effect — the lab's iscsiadm stub does not print -P 3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Effects } from '../../src/effects/types.js';
import { assertShellAllowed } from '../../src/engine/shell-policy.js';
import { hostPaths } from '../../src/lab/paths.js';
import { volumeIqn, writeSessionTable } from '../../src/lab/sessions-file.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { readFile } from 'node:fs/promises';
import { iscsiCleanup } from '../../runbooks/iscsi-cleanup.js';
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

/** The lab's hosts effect, with -P 3 and multipath answered as a real host with devices would, and the device operations recorded. */
function withDevices(effects: Effects, seen: string[][]): Effects {
  const P3 = (sid: string) => `Target: x (non-flash)\n\t\tAttached SCSI devices:\n\t\t\tAttached scsi disk sd${String.fromCharCode(97 + Number(sid) % 26)}\t\tState: running\n`;
  return {
    ...effects,
    hosts: {
      ...effects.hosts,
      async run(h, argv, opts) {
        seen.push([...argv]);
        const r = argv.indexOf('-r');
        if (argv[0] === 'iscsiadm' && argv.includes('-P')) {
          const real = await effects.hosts.run(h, ['iscsiadm', '-m', 'session', '-r', argv[r + 1]], opts);
          return real.exitCode === 0 ? { ...real, stdout: P3(argv[r + 1]) } : real;
        }
        if (argv[0] === 'multipath' && argv[1] === '-ll') {
          return { exitCode: 0, stdout: `mpathb (3600140500000000000000000000000b) dm-3 LIO-ORG,disk\n\`-+- policy='service-time 0' prio=50 status=active\n  |- 3:0:0:1 sdb 8:16 active ready running\n  \`- 4:0:0:1 sdo 8:224 active ready running\n`, stderr: '', durationMs: 1 };
        }
        if (argv[0] === 'multipath' || argv[0] === 'sh' && argv[2]?.includes('/sys/block')) return { exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
        return effects.hosts.run(h, argv, opts);
      },
    },
  };
}

describe('iscsi-cleanup builds no logout without -r N', () => {
  it('the builder and the engine policy', () => {
    for (const sid of [1, 9, 42, 65535]) expect(logoutSessionOp('c1', sid, {}).argv).toEqual(['iscsiadm', '-m', 'session', '-r', String(sid), '-u']);
    for (const bad of [0, -1, 1.5, NaN]) expect(() => logoutSessionOp('c1', bad, {})).toThrow(/session id/);
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'session', '-u'])).toThrow(/exactly one session/);
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'node', '--logoutall=all'])).toThrow(/every iSCSI session/);
  });

  it('on every input path, dry-run and live, with and without devices', async () => {
    const seen: string[][] = [];
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
    const effects = withDevices(engine.effects, seen);
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
              }),
          },
        );
        outcomes.push(`${mode} ${JSON.stringify(raw)} -> ${result.exitCode}`);
      }
    }
    // The paths did what they are for: devices flushed and deleted before the logouts; refusals refused.
    expect(outcomes.filter((o) => o.startsWith('live')).map((o) => Number(o.split('-> ')[1]))).toEqual([0, 0, 0, 2, 3, 0, 1, 2, 2]);
    const live = seen.map((a) => a.join(' '));
    const firstLogout = live.findIndex((l) => / -r \d+ -u$/.test(l));
    expect(live.findIndex((l) => l === 'multipath -f mpathb')).toBeGreaterThanOrEqual(0);
    expect(live.findIndex((l) => l === 'multipath -f mpathb')).toBeLessThan(firstLogout);
    expect(live.some((l) => l.includes('/sys/block') && l.endsWith(' sdb'))).toBe(true);
    expect(live.filter((l) => / -u$/.test(l)).sort()).toEqual(['iscsiadm -m session -r 1 -u', 'iscsiadm -m session -r 2 -u', 'iscsiadm -m session -r 3 -u', 'iscsiadm -m session -r 4 -u', 'iscsiadm -m session -r 40 -u', `iscsiadm -m session -r 5 -u`].sort());
    const all = [...planned, ...seen];
    expect(all.some((a) => a.includes('-u'))).toBe(true);
    expect(all.filter(logsOutWithoutOneSession)).toEqual([]);
    for (const argv of all) expect(() => assertShellAllowed(argv)).not.toThrow();
  });
});
