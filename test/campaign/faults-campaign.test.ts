// The fault campaign: each runbook on its lab scenario twice with the same seed, once fault-free
// (the reference) and once with 10 % of the cloud's requests, novaops's statements and the host
// commands faulted, every kind. The faulted run is driven to the end with `--yes` and resumed
// while it says resumable; it must end completed in the reference's end state: the simulator
// applied every change as often as in the reference (none lost, none repeated by a retry), the
// journal acknowledges nothing twice, the database rows equal the reference's (timestamps and
// generated ids aside), and the runbook's own end state (files, sessions) equal too.
// NOVAOPS_CAMPAIGN_SEED replays a campaign.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceOpsLog, FAULT_KINDS, hostPaths, resetDeviceState, volumeIqn, writeSessionTable, type FaultKind, type FailedNodeSummary, type UidMismatchSummary } from '../../src/lab/index.js';
import { HEARTBEAT_COLUMNS } from '../support/db-snapshot.js';
import { campaignSeed, comparableRows, rowDifferences, runToEnd, transcriptFigures, type Exclusions } from '../support/campaign.js';
import { journalRepeats } from '../support/kill-loop.js';
import { unrestored, waitQuiet } from '../support/kill-points.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab, type TestLabOptions } from '../support/lab.js';
import { entries, serviceState } from '../uid-gid/support.js';
import { expectEndState, failedNode } from '../failed-node/support.js';
import { TARGET_ARGS } from '../uid-gid/support.js';

const SEED = campaignSeed(20261214);
const RATE = 0.1;
const MAX_RESUMES = 8;
/** The `slow` fault's delay: long enough to be a slow answer, short enough for the file's budget. */
const SLOW_MS = 300;
/** The client gives up on a request after this (a `no-answer` costs this, not the default 30 s). */
const API_TIMEOUT_MS = 3_000;
/** Silence this long stops the run: well above one no-answer and its retries' back-off. */
const NO_ANSWER_STOP_MS = '20000';

/**
 * A hung host command ends only at the operation's own timeout, and the runbooks' host operations
 * have long ones (iscsiadm 30 s, multipath flush 2 min, blockdev 5 min, the id-change passes up to
 * hours), which no setting shortens. The campaign keeps host-hang for the runbooks without such
 * commands and leaves it out for these two; host-hang-bounded.test.ts proves a hung command ends
 * at its timeout.
 */
const WITHOUT_HOST_HANG: FaultKind[] = FAULT_KINDS.filter((k) => k !== 'host-hang');

/**
 * Columns two runs of one scenario cannot make equal, by table; every other column must match.
 * (Timestamps, `*_at` and `*_time`, are dropped everywhere: comparableRows.)
 */
const GENERATED: Exclusions = {
  // AUTO_INCREMENT keys: a retried insert rolled back by a deadlock still used up its number.
  // attachment_id: Cinder's new attachment uuid; uuid: the scenario gives each BDM a fresh one.
  block_device_mapping: ['id', 'attachment_id', 'uuid'],
  // The scenario writes fresh port ids into each instance's network cache; no runbook touches it.
  instance_info_caches: ['network_info'],
  // The lab's simulated services heartbeat on their own (db-snapshot.ts HEARTBEAT_COLUMNS).
  services: HEARTBEAT_COLUMNS,
  instance_actions: ['id', 'request_id'],
  instance_actions_events: ['id', 'action_id'],
  // Cinder makes a new attachment uuid for each attach (os-attach / attachments POST).
  volume_attachment: ['id'],
  // An evacuation's migration record: AUTO_INCREMENT id (evacuations finish in any order) and
  // the uuid Nova generates for it.
  migrations: ['id', 'uuid'],
  // Placement's AUTO_INCREMENT row id: allocations are written in the order evacuations land.
  allocations: ['id'],
};

interface Prepared {
  args: string[];
  /** The runbook's own end state beyond the database (files, sessions, device log), equal to the reference's. */
  endState(): Promise<unknown>;
  /** Checks that hold for the run itself (each volume attached once...). */
  check(context: string): Promise<void>;
}

interface Case {
  runbook: string;
  lab: TestLabOptions;
  kinds: FaultKind[];
  prepare(lab: TestLab): Promise<Prepared>;
}

const onceEach = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, 1]));

const CASES: Case[] = [
  {
    runbook: 'drp',
    lab: { hosts: 2 },
    kinds: [...FAULT_KINDS],
    async prepare(lab) {
      const s = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: SEED });
      return {
        args: ['run', 'drp', '--yes'],
        endState: async () => unrestored(lab, s.attached),
        async check(context) {
          expect(await unrestored(lab, s.attached), context).toEqual([]);
          expect((await lab.stats()).attachesByVolume, `${context}: each volume attached once`).toEqual(onceEach([...new Set(s.attached.map((p) => p.volume))]));
        },
      };
    },
  },
  {
    runbook: 'failed-node',
    lab: { hosts: 3, settings: { serviceDownTimeMs: 1500, reportIntervalMs: 200, evacuateMs: 120, rebootMs: 50 } },
    kinds: [...FAULT_KINDS],
    async prepare(lab) {
      const s: FailedNodeSummary = await failedNode(lab, { seed: SEED });
      const movable = s.instances.filter((i) => i.kind !== 'service-vm').map((i) => i.uuid);
      return {
        args: ['run', 'failed-node', '--failed-host', s.failedHost, '--target-host', s.targetHost, '--allow-rebuild', '--yes'],
        endState: async () => null,
        async check(context) {
          expect((await lab.stats()).evacuationsByServer, `${context}: evacuations`).toEqual(onceEach(movable));
          await expectEndState(lab, s, movable, { attachedHost: s.targetHost });
        },
      };
    },
  },
  {
    runbook: 'reset-state',
    lab: { hosts: 2, settings: { deleteMs: 100 } },
    kinds: [...FAULT_KINDS],
    async prepare(lab) {
      const s = (await lab.scenario('stuck-instance', { instances: 12, volumes: 2, seed: SEED })) as unknown as { instances: { uuid: string; stuck: boolean }[] };
      const stuck = s.instances.filter((i) => i.stuck).map((i) => i.uuid);
      return {
        args: ['run', 'reset-state', '--stuck-for', '4m', '--delete', '--yes'],
        endState: async () => null,
        async check(context) {
          expect((await lab.stats()).deletesByServer, `${context}: deletes`).toEqual(onceEach(stuck));
        },
      };
    },
  },
  {
    runbook: 'uid-gid',
    lab: { hosts: 2 },
    kinds: WITHOUT_HOST_HANG,
    async prepare(lab) {
      (await lab.scenario('uid-mismatch', { files: 400, seed: SEED })) as unknown as UidMismatchSummary;
      const hosts = ['compute1', 'compute2'];
      return {
        args: ['run', 'uid-gid', '--hosts', hosts.join(','), ...TARGET_ARGS, '--yes'],
        // Every file's owner, the accounts, the services: what the runbook changes on a host.
        endState: async () =>
          Promise.all(
            hosts.map(async (h) => ({
              owners: [...entries(hostPaths(lab.info.dir, h).root)].map(([p, e]) => `${p} ${e.uid}:${e.gid}${e.link ? ` -> ${e.link}` : ''}`).sort(),
              passwd: await readFile(hostPaths(lab.info.dir, h).passwd, 'utf8'),
              group: await readFile(hostPaths(lab.info.dir, h).group, 'utf8'),
              services: [serviceState(lab.info.dir, h, 'nova-compute'), serviceState(lab.info.dir, h, 'libvirtd')],
            })),
          ),
        async check(context) {
          for (const h of hosts) expect([serviceState(lab.info.dir, h, 'nova-compute'), serviceState(lab.info.dir, h, 'libvirtd')], `${context}: ${h}`).toEqual(['active', 'active']);
        },
      };
    },
  },
  {
    runbook: 'iscsi-cleanup',
    lab: { hosts: 2 },
    kinds: WITHOUT_HOST_HANG,
    async prepare(lab) {
      const s = await lab.scenario('power-loss', { instances: 6, volumes: 10, seed: SEED, liveSession: true });
      const { host, volume } = s.liveSessionVolume!;
      const iscsiDir = hostPaths(lab.info.dir, host).iscsiDir;
      await resetDeviceState(iscsiDir);
      const iqn = volumeIqn(`volume-${volume}`);
      await writeSessionTable(lab.info.dir, host, [iqn, 'iqn.2003-01.org.linux-iscsi.storage:sn.9abc'], 7);
      const file = hostPaths(lab.info.dir, host).sessions;
      await writeFile(file, (await readFile(file, 'utf8')) + `tcp: [40] 127.0.0.2:3260,1 ${iqn} (non-flash)\n`);
      // A buffer flush changes nothing and cannot be read back: one whose answer a dropped link
      // lost is done again (the engine's promise for an unacknowledged operation). Every change once.
      const changes = async () =>
        (await readFile(deviceOpsLog(iscsiDir), 'utf8').catch(() => '')).split('\n').filter((l) => l && !l.startsWith('blockdev --flushbufs '));
      return {
        args: ['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'],
        endState: async () => ({ changes: (await changes()).sort(), sessions: await readFile(file, 'utf8') }),
        async check(context) {
          const done = await changes();
          expect(done.filter((l, i) => done.indexOf(l) !== i), `${context}: device changes made twice`).toEqual([]);
          expect(done.filter((l) => l.startsWith('iscsiadm')).sort(), context).toEqual(['iscsiadm -m session -r 40 -u', 'iscsiadm -m session -r 7 -u']);
        },
      };
    },
  },
];

interface Outcome {
  applied: { byServer: unknown; byVolume: unknown };
  rows: Awaited<ReturnType<typeof comparableRows>>;
  endState: unknown;
}

describe.each(CASES)('$runbook, one fault in ten, ends as the fault-free run', (c) => {
  let lab: TestLab;
  let env: Record<string, string>;
  beforeAll(async () => {
    lab = await createTestLab({ ...c.lab, dbProxy: true });
    const config = await writeLabConfigVariant(lab, 'campaign.yaml', (doc) => {
      doc.api = { ...doc.api, timeout_ms: API_TIMEOUT_MS };
    });
    env = { ...lab.env, NOVAOPS_CONFIG: config, NOVAOPS_NO_ANSWER_STOP_MS: NO_ANSWER_STOP_MS };
  }, 120_000);
  afterAll(async () => lab?.destroy());

  async function attempt(label: string, faults: boolean): Promise<Outcome & { figures: string }> {
    await lab.setFaults(null);
    await waitQuiet(lab);
    const prepared = await c.prepare(lab);
    await lab.resetStats();
    const stateDir = join(lab.stateDir, label);
    await mkdir(stateDir, { recursive: true });
    const what = `${c.runbook} ${label} (seed ${SEED})`;
    if (faults) await lab.setFaults({ rate: RATE, seed: SEED, kinds: c.kinds, slowMs: SLOW_MS });
    const run = await runToEnd({ args: prepared.args, env: { ...env, NOVAOPS_STATE_DIR: stateDir }, stateDir, maxResumes: MAX_RESUMES, what });
    const stats = await lab.stats();
    await lab.setFaults(null);
    await waitQuiet(lab);
    const figures = await transcriptFigures(stateDir, run.runId);
    const line =
      `[campaign ${c.runbook}] ${label}: runs ${run.runs} (1 + ${run.runs - 1} resume(s), exits ${run.codes.join(',')}), ` +
      `faults ${JSON.stringify(stats.faultsInjected)}, retries ${figures.retries}, answer-lost ${figures.answerLost}, resolved ${JSON.stringify(figures.resolved)}`;
    expect(await journalRepeats(stateDir, run.runId), `${what}: ${line}`).toEqual([]);
    await prepared.check(`${what}: ${line}`);
    return {
      applied: { byServer: stats.appliedByServer, byVolume: stats.appliedByVolume },
      rows: await comparableRows(lab, GENERATED),
      endState: await prepared.endState(),
      figures: line,
    };
  }

  it(
    'completes with nothing lost or repeated, every row as without faults',
    async () => {
      const reference = await attempt('reference', false);
      console.log(reference.figures);
      const faulted = await attempt('faulted', true);
      const context = `${c.runbook} (seed ${SEED}): ${faulted.figures}`;
      // Lost: an applied count below the reference's; duplicated: above it.
      expect(faulted.applied, `${context}: applied changes`).toEqual(reference.applied);
      expect(rowDifferences(reference.rows, faulted.rows), `${context}: rows`).toEqual([]);
      expect(faulted.endState, `${context}: end state`).toEqual(reference.endState);
      console.log(`${faulted.figures}; 0 lost, 0 duplicated`);
    },
    240_000,
  );
});
