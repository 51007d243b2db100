// iscsi-cleanup through the kill loop (test/support/kill-loop.ts): a fresh power-loss scenario with
// its live session per iteration, the volume given two sessions (two paths make a multipath map),
// freshly booted device stubs; the run SIGKILLed at a seeded moment, resumed until it completes.
// Nothing applied twice: the host's device-ops.log (every map flush, buffer flush, disk delete and
// logout the stubs performed) has no line twice; exactly the volume's sessions are gone; its DB
// state reset once (free, no live attachment, no BDM); the journal acknowledges nothing twice.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceOpsLog, hostPaths, resetDeviceState, volumeIqn, writeSessionTable } from '../../src/lab/index.js';
import { readState, waitQuiet } from '../support/kill-points.js';
import { drawIterations, journalRepeats, killPointOf, killThenResume, loopSeed, describeIteration } from '../support/kill-loop.js';
import { createTestLab, type TestLab } from '../support/lab.js';

const { seed: SEED, iterations: ITERATIONS } = loopSeed('iscsi-cleanup', { seed: 20261208, iterations: 5 });
const plans = drawIterations(SEED, ITERATIONS);
/** One attempt of a run on this lab: its transcript events and item operations (measured). */
const SIZES = { events: 110, opEnds: 8 };
const OTHER_IQN = 'iqn.2003-01.org.linux-iscsi.storage:sn.9abc';
const SECOND_PORTAL = '127.0.0.2:3260';
const [SID, SID2] = [7, 40];

let lab: TestLab;
beforeAll(async () => {
  // 100 ms a request: kills land between the steps' reads and writes, not only before or after.
  lab = await createTestLab({ hosts: 2, settings: { latencyMs: 100 } });
}, 120_000);
afterAll(async () => lab?.destroy());

const sessionLines = async (host: string) => (await readFile(hostPaths(lab.info.dir, host).sessions, 'utf8')).split('\n').filter(Boolean);

describe('iscsi-cleanup killed at random moments, then resumed', () => {
  it.each(plans)('iteration $n', async (plan) => {
    await waitQuiet(lab);
    const scenario = await lab.scenario('power-loss', { instances: 6, volumes: 10, seed: plan.scenarioSeed, liveSession: true });
    const { host, volume, instance } = scenario.liveSessionVolume!;
    const iscsiDir = hostPaths(lab.info.dir, host).iscsiDir;
    await resetDeviceState(iscsiDir);
    const iqn = volumeIqn(`volume-${volume}`);
    const others = [...new Set(scenario.attached.filter((a) => a.host === host && a.volume !== volume).map((a) => a.volume))];
    await writeSessionTable(lab.info.dir, host, [iqn, ...others.map((v) => volumeIqn(`volume-${v}`)), OTHER_IQN], SID);
    const file = hostPaths(lab.info.dir, host).sessions;
    await writeFile(file, (await readFile(file, 'utf8')) + `tcp: [${SID2}] ${SECOND_PORTAL},1 ${iqn} (non-flash)\n`);
    const linesBefore = await sessionLines(host);

    const stateDir = join(lab.stateDir, `iscsi-iter-${plan.n}`);
    await mkdir(stateDir, { recursive: true });
    const first = killPointOf(plan.first, SIZES);
    const second = plan.second ? killPointOf(plan.second, SIZES) : null;
    const what = describeIteration(plan, SEED);

    const { runId, log } = await killThenResume({
      args: ['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'],
      env: { ...lab.env, NOVAOPS_STATE_DIR: stateDir },
      stateDir,
      first,
      second,
      what,
      lab,
      settle: () => waitQuiet(lab),
    });
    const done = (await readFile(deviceOpsLog(iscsiDir), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const context = `${what}: ${log.join('; ')}\ndevice-ops.log:\n${done.join('\n')}`;
    console.log(`[kill-loop iscsi-cleanup] ${what}: ${log.join('; ')}`);

    expect((await readState(stateDir, runId))!.status, context).toBe('completed');
    expect(await journalRepeats(stateDir, runId), context).toEqual([]);
    // Each change once: no map flush, disk delete or logout twice. A buffer flush changes nothing
    // and cannot be read back: one killed between its end and its acknowledgement is done again on
    // resume (as the engine promises of an unacknowledged operation), but never after its disk is gone.
    const changes = done.filter((l) => !l.startsWith('blockdev --flushbufs '));
    expect(changes.filter((line, i) => changes.indexOf(line) !== i), context).toEqual([]);
    for (const [i, line] of done.entries()) {
      const disk = /^blockdev --flushbufs \/dev\/(\S+)$/.exec(line)?.[1];
      if (disk) expect(done.slice(0, i), `${context}\n(flush of ${disk} after its delete)`).not.toContain(`delete ${disk}`);
    }
    expect(done.filter((l) => l.startsWith('iscsiadm')).sort(), context).toEqual([`iscsiadm -m session -r ${SID2} -u`, `iscsiadm -m session -r ${SID} -u`]);
    expect(done.some((l) => l.startsWith('multipath -f ')), context).toBe(true);
    expect(await sessionLines(host), context).toEqual(linesBefore.filter((l) => !l.startsWith(`tcp: [${SID}] `) && !l.startsWith(`tcp: [${SID2}] `)));

    const { cinder, nova } = lab.info.db.schemas;
    const [after] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${cinder}\`.volumes WHERE id = ?`, [volume]);
    expect(after, context).toEqual({ status: 'available', attach_status: 'detached' });
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${cinder}\`.volume_attachment WHERE volume_id = ? AND deleted = 0`, [volume]), context).toEqual([]);
    expect(await lab.rootQuery<unknown[]>(`SELECT id FROM \`${nova}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`, [volume, instance]), context).toEqual([]);
  }, 240_000);
});
