// iscsi-cleanup SIGKILLed in the middle of its flush item, then `novaops resume <id> --yes`. The
// kill lands where the journal and the host disagree or the plan made on resume differs from the
// first one: right after the host did the map flush (not acknowledged yet), right after the first
// disk's buffers flush was acknowledged (the map is gone: a plan from the host's state alone has
// fewer operations than the journal's acknowledgements count), right after the host deleted the
// first disk. The resume completes; the host did each flush, delete and logout once, in the order
// section 8 asks (map, then each disk, then the logouts); the volume's DB state is reset; no other
// session was touched.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readState, runDirOf } from '../support/kill-points.js';
import { readEvents, runIds, transcriptOf } from '../support/transcript-watch.js';
import { deviceOpsLog, resetDeviceState, hostPaths, volumeIqn, writeSessionTable } from '../../src/lab/index.js';

let lab: TestLab;
const OTHER_IQN = 'iqn.2003-01.org.linux-iscsi.storage:sn.9abc';
// The volume's second session, through another portal: two paths make the lab host a multipath map.
const SECOND_PORTAL = '127.0.0.2:3260';
const [SID, SID2] = [7, 40];
// The lab names a session's disk after its id (7 -> sdh, 40 -> sdao) and a map after its first session (mpathg).
const [DISK, DISK2, MAP] = ['sdh', 'sdao', 'mpathg'];

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
});
afterAll(async () => lab?.destroy());

const cinder = () => lab.info.db.schemas.cinder;
const nova = () => lab.info.db.schemas.nova;
const opsLog = (host: string) => readFile(deviceOpsLog(hostPaths(lab.info.dir, host).iscsiDir), 'utf8').catch(() => '');
const sessionLines = async (host: string) => (await readFile(hostPaths(lab.info.dir, host).sessions, 'utf8')).split('\n').filter(Boolean);

interface Journal {
  step: string;
  key: string;
  status: string;
  op?: number;
}
const journalOf = async (runId: string): Promise<Journal[]> =>
  (await readFile(path.join(runDirOf(lab.stateDir, runId), 'items.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Journal];
      } catch {
        return [];
      }
    });

type KillPoint = (host: string, runId: string) => Promise<boolean>;
const logged = (line: string): KillPoint => async (host) => (await opsLog(host)).split('\n').includes(line);
const acknowledged = (op: number): KillPoint => async (_host, runId) => (await journalOf(runId)).some((r) => r.step === 'flush-devices' && r.status === 'op-done' && r.op === op);

/** Starts the run and SIGKILLs it the instant `point` is reached; inotify on the host's and the run's directories, and a poll. */
async function runAndKillAt(host: string, args: string[], point: KillPoint): Promise<{ runId: string; logAtKill: string }> {
  const before = new Set(await runIds(lab.stateDir));
  const proc = startCli(args, lab.env);
  let exited = false;
  void proc.done.then(() => (exited = true));
  let runId: string | undefined;
  let logAtKill: string | undefined;
  const watchers: FSWatcher[] = [];
  const check = async () => {
    if (logAtKill !== undefined || exited) return;
    if (!runId) {
      runId = (await runIds(lab.stateDir)).filter((id) => !before.has(id)).pop();
      if (runId) watchers.push(watch(runDirOf(lab.stateDir, runId), () => void check()));
    }
    if (runId && logAtKill === undefined && (await point(host, runId))) {
      proc.child.kill('SIGKILL');
      logAtKill ??= await opsLog(host);
    }
  };
  watchers.push(watch(hostPaths(lab.info.dir, host).iscsiDir, () => void check()));
  const deadline = Date.now() + 60_000;
  try {
    while (logAtKill === undefined && !exited && Date.now() < deadline) {
      await check();
      await sleep(2);
    }
  } finally {
    for (const w of watchers) w.close();
  }
  const first = await proc.done;
  expect(first.signal, `${first.stdout}${first.stderr}\nlog: ${await opsLog(host)}`).toBe('SIGKILL');
  expect(runId).toBeDefined();
  return { runId: runId!, logAtKill: logAtKill! };
}

describe('iscsi-cleanup killed in the middle of the flush item, then resumed', () => {
  it.each([
    { when: 'right after the host flushed the map', point: logged(`multipath -f ${MAP}`) },
    { when: "right after the first disk's buffers flush was acknowledged", point: acknowledged(1) },
    { when: 'right after the host deleted the first disk', point: logged(`delete ${DISK}`) },
  ])('$when: the resume completes, each device change done once', async ({ point }) => {
    // A fresh scenario and freshly booted devices for each case.
    const scenario = await lab.scenario('power-loss', { instances: 6, volumes: 10, seed: 11, liveSession: true });
    const { host, volume, instance } = scenario.liveSessionVolume!;
    await resetDeviceState(hostPaths(lab.info.dir, host).iscsiDir);
    const iqn = volumeIqn(`volume-${volume}`);
    const others = [...new Set(scenario.attached.filter((a) => a.host === host && a.volume !== volume).map((a) => a.volume))];
    await writeSessionTable(lab.info.dir, host, [iqn, ...others.map((v) => volumeIqn(`volume-${v}`)), OTHER_IQN], SID);
    const file = hostPaths(lab.info.dir, host).sessions;
    await writeFile(file, (await readFile(file, 'utf8')) + `tcp: [${SID2}] ${SECOND_PORTAL},1 ${iqn} (non-flash)\n`);
    const linesBefore = await sessionLines(host);
    expect(linesBefore.length).toBeGreaterThanOrEqual(3);

    const { runId, logAtKill } = await runAndKillAt(host, ['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], point);
    // Killed inside the flush item: the map is flushed, the logouts have not started.
    expect(logAtKill).toContain(`multipath -f ${MAP}\n`);
    expect(logAtKill).not.toContain('iscsiadm -m session');
    expect((await readEvents(transcriptOf(lab.stateDir, runId))).some((e) => e.type === 'step.start' && e.step === 'logout')).toBe(false);

    const resumed = await runCli(['resume', runId, '--yes'], lab.env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await readState(lab.stateDir, runId))?.status).toBe('completed');

    // Each change once, in order: the map, each disk (buffers, then the delete), then one logout per
    // session (the two logouts are items of one step: either may go first).
    // A buffers flush changes nothing on the disk: when the kill lands after the host ran the next
    // flush but before novaops acknowledged it (a busy machine), the resume runs it again, as it does
    // any operation it has no acknowledgement of. Never after its disk is gone.
    const done = (await opsLog(host)).split('\n').filter(Boolean);
    const changes = done.filter((l) => !l.startsWith('blockdev --flushbufs'));
    expect(changes.slice(0, 3), done.join('\n')).toEqual([`multipath -f ${MAP}`, `delete ${DISK}`, `delete ${DISK2}`]);
    expect(changes.slice(3).sort()).toEqual([`iscsiadm -m session -r ${SID2} -u`, `iscsiadm -m session -r ${SID} -u`]);
    for (const disk of [DISK, DISK2]) {
      const flushes = done.flatMap((l, i) => (l === `blockdev --flushbufs /dev/${disk}` ? [i] : []));
      expect(flushes.length, done.join('\n')).toBeGreaterThanOrEqual(1);
      expect(Math.max(...flushes), done.join('\n')).toBeLessThan(done.indexOf(`delete ${disk}`));
    }
    // Exactly the volume's two sessions gone; every other one untouched.
    expect(await sessionLines(host)).toEqual(linesBefore.filter((l) => !l.startsWith(`tcp: [${SID}] `) && !l.startsWith(`tcp: [${SID2}] `)));

    const [after] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${cinder()}\`.volumes WHERE id = ?`, [volume]);
    expect(after).toEqual({ status: 'available', attach_status: 'detached' });
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${cinder()}\`.volume_attachment WHERE volume_id = ? AND deleted = 0`, [volume])).toEqual([]);
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${nova()}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`, [volume, instance])).toEqual([]);
  });
});
