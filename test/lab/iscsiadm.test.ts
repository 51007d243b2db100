import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostPaths } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

const run = promisify(execFile);
let lab: TestLab;
let bin: string;
let sessions: string;
const IQN = (n: number) => `iqn.2010-10.org.openstack:volume-0000000${n}-aaaa-4bbb-8ccc-dddddddddddd`;

async function iscsiadm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(bin, args);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  bin = hostPaths(lab.info.dir, 'compute1').iscsiadm;
  sessions = hostPaths(lab.info.dir, 'compute1').sessions;
});
afterAll(async () => lab?.destroy());

describe('simulated iscsiadm', () => {
  test('no sessions: message on stderr, exit 21', async () => {
    await writeFile(sessions, '');
    expect(await iscsiadm('-m', 'session')).toEqual({ code: 21, stdout: '', stderr: 'iscsiadm: No active sessions.\n' });
  });

  test('lists sessions in the open-iscsi format and logs out exactly one with -u -r N', async () => {
    await writeFile(
      sessions,
      [1, 2, 3].map((n) => `tcp: [${n}] 127.0.0.1:3260,1 ${IQN(n)} (non-flash)\n`).join(''),
    );
    const list = await iscsiadm('-m', 'session');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[1]).toBe(`tcp: [2] 127.0.0.1:3260,1 ${IQN(2)} (non-flash)`);
    const out = await iscsiadm('-m', 'session', '-r', '2', '-u');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      `Logging out of session [sid: 2, target: ${IQN(2)}, portal: 127.0.0.1,3260]\n` +
        `Logout of [sid: 2, target: ${IQN(2)}, portal: 127.0.0.1,3260] successful.\n`,
    );
    const left = await readFile(sessions, 'utf8');
    expect(left).not.toContain(IQN(2));
    expect(left).toContain(IQN(1));
    expect(left).toContain(IQN(3));
    const again = await iscsiadm('-m', 'session', '-u', '-r', '2');
    expect(again.code).toBe(21);
    expect(again.stderr).toBe('iscsiadm: Could not get session info for sid 2\n');
  });

  test('-m session -u without -r logs out every session, like the real tool', async () => {
    const out = await iscsiadm('-m', 'session', '-u');
    expect(out.code).toBe(0);
    expect(out.stdout.match(/successful\./g)).toHaveLength(2);
    expect(await readFile(sessions, 'utf8')).toBe('');
  });

  test('discovery against an unreachable portal fails like open-iscsi; node login adds a session', async () => {
    const bad = await iscsiadm('-m', 'discovery', '-t', 'st', '-p', '192.0.2.1');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('No route to host');
    await writeFile(`${lab.info.dir}/iscsi-targets`, `${IQN(7)}\n`);
    const disc = await iscsiadm('-m', 'discovery', '-t', 'st', '-p', '127.0.0.1');
    expect(disc.stdout).toBe(`127.0.0.1:3260,1 ${IQN(7)}\n`);
    const login = await iscsiadm('-m', 'node', '--targetname', IQN(7), '-p', '127.0.0.1', '-l');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('successful.');
    const dup = await iscsiadm('-m', 'node', '--targetname', IQN(7), '-p', '127.0.0.1', '-l');
    expect(dup.code).toBe(15);
    expect((await iscsiadm('-m', 'session')).stdout).toMatch(/^tcp: \[\d+\] 127\.0\.0\.1:3260,1 .*volume-00000007.* \(non-flash\)\n$/);
  });
});
