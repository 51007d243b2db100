// iscsi-cleanup on the lab (modern Cinder), through the real CLI: bad input, dry-run, the happy
// path by --volume and by --session, the guards, and --reconnect with the guide's diagnoses.
import { randomUUID } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIds } from '../support/transcript-watch.js';
import { type ScenarioSummary, hostPaths, deviceOpsLog, volumeIqn, writeSessionTable } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let host: string;
/** volume id -> its session id on `host`. */
const sids = new Map<string, number>();
const OTHER_IQN = 'iqn.2003-01.org.linux-iscsi.storage:sn.1234';

const sessionsFile = () => readFile(hostPaths(lab.info.dir, host).sessions, 'utf8');
const cinder = () => lab.info.db.schemas.cinder;
const nova = () => lab.info.db.schemas.nova;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  scenario = await lab.scenario('power-loss', { instances: 10, volumes: 18, seed: 3, liveSession: true });
  host = scenario.liveSessionVolume!.host;
  // The host keeps sessions of other volumes too (and one that is no OpenStack volume): only the chosen one may go.
  const onHost = scenario.attached.filter((a) => a.host === host && !scenario.multiattach?.attachments.some((m) => m.volume === a.volume));
  const volumes = [...new Set(onHost.map((a) => a.volume))];
  const ids = await writeSessionTable(lab.info.dir, host, [...volumes.map((v) => volumeIqn(`volume-${v}`)), OTHER_IQN], 3);
  volumes.forEach((v, i) => sids.set(v, ids[i]));
  expect(volumes.length).toBeGreaterThanOrEqual(3);
});
afterAll(async () => lab?.destroy());

function volumeOnHost(n: number): { volume: string; instance: string; sid: number } {
  const v = [...sids.keys()][n];
  const a = scenario.attached.find((x) => x.volume === v)!;
  return { volume: v, instance: a.instance, sid: sids.get(v)! };
}

async function volumeRow(id: string) {
  const [row] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM \`${cinder()}\`.volumes WHERE id = ?`, [id]);
  return row;
}

describe('iscsi-cleanup: bad input', () => {
  it('exits 2 naming the problem, before a run directory exists, and changes nothing', async () => {
    const { volume, sid } = volumeOnHost(0);
    const runs = await runIds(lab.stateDir);
    const before = await checksums(lab);
    const sessions = await sessionsFile();
    const cases: [string[], RegExp][] = [
      [['--volume', volume], /--host.*which compute node/],
      [['--host', 'compute9', '--volume', volume], /unknown host 'compute9'.*config knows: compute1, compute2/],
      [['--host', 'bad_host!', '--volume', volume], /--host.*not a valid host name/],
      [['--host', host, '--session', 'abc'], /--session.*not an iSCSI session id/],
      [['--host', host, '--session', '0'], /--session.*not an iSCSI session id/],
      [['--host', host, '--session', '999'], /no iSCSI session \[999\] on compute\d.*its sessions: \[3\]/],
      [['--host', host, '--volume', '11111111-2222-4333-8444-555555555555'], /no such volume in the cinder database/],
      [['--host', host, '--volume', 'vol;rm -rf /'], /--volume.*not a volume id/],
      [['--host', host], /which session\?/],
      [['--host', host, '--session', String(sid), '--reconnect', '--portal', '127.0.0.1', '--target', 'iqn.bad name'], /--target.*not an iSCSI qualified name/],
      [['--host', host, '--session', String(sid), '--reconnect', '--portal', '$(reboot)', '--target', volumeIqn(`volume-${volume}`)], /--portal.*not an iSCSI portal/],
      // RFC 3722 allows letters, digits, '-', '.' and ':' in an IQN: a quote, ';' or '$(' never reaches iscsiadm.
      ...[`"'`, ';reboot', '$(reboot)', '`id`', '|true'].map((tail): [string[], RegExp] => [
        ['--host', host, '--session', String(sid), '--reconnect', '--portal', '127.0.0.1', '--target', `${volumeIqn(`volume-${volume}`)}${tail}`],
        /--target.*not an iSCSI qualified name/,
      ]),
      [['--host', host, '--session', String(sid), '--portal', '127.0.0.1'], /--portal and --target are for --reconnect/],
      [['--host', host, '--session', String(sid), '--reconnect'], /--reconnect needs --portal/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', 'iscsi-cleanup', ...args, '--yes'], lab.env);
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await runIds(lab.stateDir)).toEqual(runs);
    expect(await checksums(lab)).toEqual(before);
    expect(await sessionsFile()).toBe(sessions);
  });

  it('a session to a target that names no OpenStack volume needs --volume (exit 2, no run directory)', async () => {
    const runs = await runIds(lab.stateDir);
    const sessions = await sessionsFile();
    const other = sessions.split('\n').find((l) => l.includes(OTHER_IQN))!;
    const sid = /\[(\d+)\]/.exec(other)![1];
    for (const mode of ['--yes', '--dry-run']) {
      const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--session', sid, mode], lab.env);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toContain('does not name an OpenStack volume');
      expect(r.stderr).toContain('give the volume too with --volume <id>');
    }
    expect(await runIds(lab.stateDir)).toEqual(runs);
    expect(await sessionsFile()).toBe(sessions);
  });

  it('a session to a volume the database does not have, or one of a volume\'s several sessions: exit 2, no run directory', async () => {
    const { volume, sid } = volumeOnHost(0);
    const sessions = await sessionsFile();
    const line = sessions.split('\n').find((l) => l.startsWith(`tcp: [${sid}] `))!;
    const gone = randomUUID();
    // Two more sessions: one to a deleted volume, and a second path (another portal) to `volume`.
    const extra = [`tcp: [901] 127.0.0.1:3260,1 ${volumeIqn(`volume-${gone}`)} (non-flash)`, line.replace(`[${sid}]`, '[902]').replace(/ \S+:3260,1 /, ' 127.0.0.9:3260,1 ')];
    await writeFile(hostPaths(lab.info.dir, host).sessions, sessions + extra.join('\n') + '\n');
    try {
      const runs = await runIds(lab.stateDir);
      const before = await checksums(lab);
      const cases: [string[], string, string][] = [
        [['--session', '901'], `names volume ${gone}, which the cinder database does not have`, 'iscsiadm -m session -r N -u'],
        [['--session', String(sid)], `volume ${volume} has 2 sessions on ${host}`, `give --volume ${volume} instead`],
      ];
      for (const [args, message, hint] of cases) {
        const r = await runCli(['run', 'iscsi-cleanup', '--host', host, ...args, '--yes'], lab.env);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toContain(message);
        expect(r.stderr).toContain(hint);
        expect(r.stdout).toContain('no run directory was created');
      }
      expect(await runIds(lab.stateDir)).toEqual(runs);
      expect(await checksums(lab)).toEqual(before);
      expect(await sessionsFile()).toBe(sessions + extra.join('\n') + '\n');
    } finally {
      await writeFile(hostPaths(lab.info.dir, host).sessions, sessions);
    }
  });
});

describe('iscsi-cleanup --dry-run', () => {
  it('plans the logout of that one session and the DB reset, and changes nothing', async () => {
    const { volume, sid } = volumeOnHost(0);
    const before = await checksums(lab);
    const sessions = await sessionsFile();
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--dry-run'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`iscsiadm -m session -r ${sid} -u`);
    expect(r.stdout).toContain('UPDATE volume_attachment');
    // The lab's host answers -P 3 with the session's disk (sid N -> scsi N+2, sd<N>): flushed and deleted before the logout.
    const disk = `sd${String.fromCharCode(97 + sid)}`;
    const flush = r.stdout.indexOf(`blockdev --flushbufs /dev/${disk}`);
    const del = r.stdout.indexOf(`echo 1 | tee /sys/block/${disk}/device/delete`);
    expect(flush, r.stdout).toBeGreaterThan(0);
    expect(del).toBeGreaterThan(flush);
    expect(r.stdout.indexOf(`iscsiadm -m session -r ${sid} -u`)).toBeGreaterThan(del);
    expect(r.stdout).toContain(`no multipath map on ${host} holds ${disk}`);
    expect(r.stdout.split('\n').filter((l) => l.trim()).every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);
    expect(await checksums(lab)).toEqual(before);
    expect(await sessionsFile()).toBe(sessions);
  });
});

describe('iscsi-cleanup, live', () => {
  it('--volume: logs out only its session, resets only that volume, rows saved with a rollback script', async () => {
    const { volume, instance, sid } = volumeOnHost(0);
    const other = volumeOnHost(1);
    const linesBefore = (await sessionsFile()).split('\n').filter(Boolean);
    const otherRowBefore = await volumeRow(other.volume);
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', volume, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const linesAfter = (await sessionsFile()).split('\n').filter(Boolean);
    expect(linesAfter).toEqual(linesBefore.filter((l) => !l.startsWith(`tcp: [${sid}] `)));
    expect(linesAfter).toHaveLength(linesBefore.length - 1);
    const disk = `sd${String.fromCharCode(97 + sid)}`;
    expect((await readFile(deviceOpsLog(hostPaths(lab.info.dir, host).iscsiDir), 'utf8')).split('\n').filter(Boolean)).toEqual([
      `blockdev --flushbufs /dev/${disk}`,
      `delete ${disk}`,
      `iscsiadm -m session -r ${sid} -u`,
    ]);
    expect(await volumeRow(volume)).toEqual({ status: 'available', attach_status: 'detached' });
    expect(await volumeRow(other.volume)).toEqual(otherRowBefore);
    const live = await lab.rootQuery<unknown[]>(`SELECT id FROM \`${cinder()}\`.volume_attachment WHERE volume_id = ? AND deleted = 0`, [volume]);
    expect(live).toEqual([]);
    const bdm = await lab.rootQuery<unknown[]>(`SELECT id FROM \`${nova()}\`.block_device_mapping WHERE volume_id = ? AND instance_uuid = ? AND deleted = 0`, [volume, instance]);
    expect(bdm).toEqual([]);
    // The rows were saved before the change, with a rollback script.
    const runs = path.join(lab.stateDir, 'runs');
    const runDirs = await readdir(runs);
    const artifacts = (await Promise.all(runDirs.map(async (d) => (await readdir(path.join(runs, d, 'artifacts')).catch(() => [])).map((f) => path.join(runs, d, 'artifacts', f))))).flat();
    const backup = artifacts.filter((f) => f.includes('reset-db'));
    expect(backup.length, artifacts.join('\n')).toBeGreaterThanOrEqual(2);
    expect((await Promise.all(backup.map((f) => readFile(f, 'utf8')))).join('\n')).toContain(volume);
  });

  it('--session N: frees that session and its volume; a second run names the missing session (exit 2, no run directory)', async () => {
    const { volume, sid } = volumeOnHost(1);
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--session', String(sid), '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await sessionsFile()).not.toContain(`tcp: [${sid}] `);
    expect(await volumeRow(volume)).toEqual({ status: 'available', attach_status: 'detached' });
    const runs = await runIds(lab.stateDir);
    const again = await runCli(['run', 'iscsi-cleanup', '--host', host, '--session', String(sid), '--yes'], lab.env);
    expect(again.code).toBe(2);
    expect(again.stdout + again.stderr).toContain(`no iSCSI session [${sid}]`);
    expect(await runIds(lab.stateDir)).toEqual(runs);
  });

  it('a session that is not the volume\'s is refused by the guard (exit 3), nothing changed', async () => {
    const a = volumeOnHost(2);
    const b = volumeOnHost(0);
    const before = await checksums(lab);
    const sessions = await sessionsFile();
    const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--session', String(a.sid), '--volume', b.volume, '--yes'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain('does not name volume');
    expect(await checksums(lab)).toEqual(before);
    expect(await sessionsFile()).toBe(sessions);
  });

  it('--reconnect: discovery and login again; the three known errors diagnosed with the guide\'s fix', async () => {
    const freed = volumeOnHost(0); // no session left, DB already clean: only the reconnect does something
    const iqn = volumeIqn(`volume-${freed.volume}`);
    const ok = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', freed.volume, '--reconnect', '--portal', '127.0.0.1', '--target', iqn, '--yes'], lab.env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await sessionsFile()).toContain(` ${iqn} `);

    const still = volumeOnHost(2); // its session is still there: a login gives "already present" (15)
    const stillIqn = volumeIqn(`volume-${still.volume}`);
    const cases: [string, string, RegExp][] = [
      ['127.0.0.1', stillIqn, /ERROR "15 - already exists".*iscsi_ip_prefix/],
      ['volumes-server', iqn, /ERROR "Cannot resolve host".*\/etc\/hosts/],
      ['10.255.255.1', iqn, /ERROR "No route to host".*telnet/],
    ];
    const freed2 = volumeOnHost(1);
    for (const [portal, target, message] of cases) {
      const r = await runCli(['run', 'iscsi-cleanup', '--host', host, '--volume', freed2.volume, '--reconnect', '--portal', portal, '--target', target, '--yes', '--abandon-unfinished'], lab.env);
      // A failed optional step leaves the run resumable: the next case gives it up on the record.
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(message);
    }
  });
});
