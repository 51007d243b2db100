// Host command faults: the lab's host tools (run as real subprocesses, as novaops runs them) drop
// the link like ssh does, before or after their effect, or hang until the caller's timeout.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { FaultPlan, hostFaultLines, hostPaths, labPaths } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
}, 120_000);
afterAll(async () => lab?.destroy());
beforeEach(async () => {
  await lab.setFaults(null);
  await lab.resetStats();
});

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(tool: string, args: string[], timeoutMs = 60_000): Promise<Done> {
  const bin = hostPaths(lab.info.dir, 'compute1').bin;
  return new Promise((resolve, reject) => {
    const child = spawn(`${bin}/${tool}`, args, { timeout: timeoutMs, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A seed whose first host command meets `action`, found from the plan itself. */
function seedFor(action: string, kind: 'host-drop' | 'host-hang'): number {
  for (let seed = 1; ; seed++) {
    if (hostFaultLines(new FaultPlan({ rate: 1, seed, kinds: [kind], slowMs: 0 }), 1)[0] === `0 ${action}`) return seed;
  }
}

const servicesLog = () => readFile(hostPaths(lab.info.dir, 'compute1').servicesLog, 'utf8').catch(() => '');

test('host-drop before the effect: exit 255, ssh\'s message, the service not stopped', async () => {
  await lab.setFaults({ rate: 1, seed: seedFor('host-drop-before', 'host-drop'), kinds: ['host-drop'] });
  const r = await run('systemctl', ['stop', 'nova-compute']);
  expect(r.code).toBe(255);
  expect(r.stderr).toBe('Connection to compute1 closed by remote host.\n');
  expect(await servicesLog()).not.toContain('stop nova-compute');
  expect((await lab.stats()).faultsInjected).toEqual({ 'host-drop-before': 1 });
});

test('host-drop after the effect: exit 255, output lost, the service really stopped', async () => {
  await lab.setFaults({ rate: 1, seed: seedFor('host-drop-after', 'host-drop'), kinds: ['host-drop'] });
  const r = await run('systemctl', ['stop', 'nova-compute']);
  expect(r.code).toBe(255);
  expect(r.stderr).toBe('Connection to compute1 closed by remote host.\n');
  expect(await servicesLog()).toContain('stop nova-compute');
  await lab.setFaults(null);
  const state = await run('systemctl', ['is-active', 'nova-compute']);
  expect(state.stdout).toBe('inactive\n');
});

test('host-drop also reaches the SCSI tools (output lost when after)', async () => {
  await lab.setFaults({ rate: 1, seed: seedFor('host-drop-after', 'host-drop'), kinds: ['host-drop'] });
  const r = await run('iscsiadm', ['-m', 'session']);
  expect(r.code).toBe(255);
  expect(r.stdout).toBe('');
});

test('host-hang: the command never ends on its own; the caller\'s timeout kills it, and the host\'s other commands are not blocked', async () => {
  await lab.setFaults({ rate: 1, seed: 1, kinds: ['host-hang'] });
  let hungEnded = false;
  const hung = run('iscsiadm', ['-m', 'session'], 8000).finally(() => (hungEnded = true));
  // The plan's next command (index 1) hangs too at rate 1: turn faults off to prove no lock is held.
  await waitForFile(labPaths(lab.info.dir).hostFaultLog);
  await lab.setFaults(null);
  const other = await run('iscsiadm', ['-m', 'session']);
  expect(other.code === 0 || other.code === 21).toBe(true);
  expect(hungEnded).toBe(false);
  const r = await hung;
  expect(r.signal).toBe('SIGTERM');
  expect(r.code).toBeNull();
  expect((await readFile(labPaths(lab.info.dir).hostFaultLog, 'utf8')).trim()).toBe('host-hang compute1 iscsiadm -m session');
});

test('determinism: the same seed drops the same commands; faults off drops none', async () => {
  const codes = async () => {
    const out: (number | null)[] = [];
    for (let i = 0; i < 12; i++) out.push((await run('systemctl', ['is-active', 'nova-compute'])).code);
    return out;
  };
  await lab.setFaults({ rate: 0.5, seed: 11, kinds: ['host-drop'] });
  const a = await codes();
  expect(a).toContain(255);
  await lab.setFaults({ rate: 0.5, seed: 11, kinds: ['host-drop'] });
  expect(await codes()).toEqual(a);
  await lab.setFaults(null);
  expect(await codes()).not.toContain(255);
});

async function waitForFile(file: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await readFile(file, 'utf8').catch(() => '')).length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} never written`);
}
