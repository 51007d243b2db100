// A read-only session (--read-only, read_only: true in the config, NOVAOPS_READ_ONLY=1) is for
// whoever shadows on-call: dry-runs, show, transcripts and doctor work; a live run, a resume and an
// abandon are refused with exit 3 before the lock is taken, and nothing changes — not the cloud
// (table checksums, no mutating request), not the run directories, not refusals.jsonl.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { checksums } from '../support/db-snapshot.js';
import { runAndKill, waitQuiet } from '../support/kill-points.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { writeLabConfigVariant } from '../support/lab-config.js';

let lab: TestLab;
let interrupted: string;

/** Every file under the state directory with its bytes: a refused command must leave them equal. */
async function stateFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path] = await readFile(path, 'utf8');
  }
  return out;
}

async function expectRefusedUnchanged(run: () => Promise<CliResult>, what: RegExp): Promise<CliResult> {
  const dbBefore = await checksums(lab);
  const filesBefore = await stateFiles(lab.stateDir);
  await lab.resetStats();
  const r = await run();
  const context = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.code, context).toBe(3);
  expect(r.stderr, context).toMatch(/read-only session/);
  expect(r.stderr, context).toMatch(what);
  expect(r.stderr, context).toMatch(/what to do: \S/);
  expect(await checksums(lab)).toEqual(dbBefore);
  expect((await lab.stats()).mutatingRequests).toBe(0);
  expect(await stateFiles(lab.stateDir)).toEqual(filesBefore);
  return r;
}

beforeAll(async () => {
  lab = await createTestLab({ settings: { rebootMs: 400 } });
  await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 11 });
  // An interrupted live run to try to resume and abandon: killed in the middle of its reboots.
  const killed = await runAndKill({ args: ['run', 'drp', '--yes'], env: lab.env, stateDir: lab.stateDir, point: { kind: 'mid-reboot', k: 2 } });
  expect(killed.killed).toBe(true);
  interrupted = killed.runId!;
  // The reboots it had sent finish in the cloud after it died; the tests start from a quiet cloud.
  await waitQuiet(lab, 200);
});

afterAll(async () => {
  await lab?.destroy();
});

describe('read-only session', () => {
  test('--read-only: a live run is refused with exit 3 before the lock, nothing written anywhere', async () => {
    const r = await expectRefusedUnchanged(() => runCli(['--read-only', 'run', 'drp', '--yes', '--abandon-unfinished'], lab.env), /a live run of drp/);
    expect(r.stderr).toMatch(/--dry-run/);
  });

  test('NOVAOPS_READ_ONLY=1: resume and abandon are refused the same way', async () => {
    const env = { ...lab.env, NOVAOPS_READ_ONLY: '1' };
    await expectRefusedUnchanged(() => runCli(['resume', interrupted, '--yes'], env), new RegExp(`resuming run ${interrupted}`));
    await expectRefusedUnchanged(() => runCli(['abandon', interrupted, '--reason', 'shadow tries'], env), new RegExp(`abandoning run ${interrupted}`));
  });

  test('read_only: true in the config: refused; a dry-run, show and transcripts still work', async () => {
    const config = await writeLabConfigVariant(lab, 'read-only.yaml', (doc) => (doc.read_only = true));
    const env = { ...lab.env, NOVAOPS_CONFIG: config };
    await expectRefusedUnchanged(() => runCli(['run', 'drp', '--yes'], env), /a live run of drp/);

    const dbBefore = await checksums(lab);
    await lab.resetStats();
    const dry = await runCli(['run', 'drp', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/\[DRY-RUN\]/);
    const show = await runCli(['show', 'drp'], env);
    expect(show.code).toBe(0);
    const list = await runCli(['transcripts', 'list'], env);
    expect(list.stdout).toContain(interrupted);
    expect(await checksums(lab)).toEqual(dbBefore);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });

  test('without read-only the same interrupted run resumes to completion (the refusal was the only obstacle)', async () => {
    const r = await runCli(['resume', interrupted, '--yes'], lab.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/COMPLETED/);
  });
});
