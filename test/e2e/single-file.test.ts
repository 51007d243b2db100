// Issue 15, acceptance 1: dist/novaops.mjs copied ALONE into an empty directory runs the demo's
// drp dry-run on a running lab with node only: no node_modules in that directory or above it.
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';
import { expectDrpPlan } from '../support/drp-dry-run-check.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runFile } from '../support/run-file.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let dir: string;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 15 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-one-file-'));
  await copyFile(path.join(REPO, 'dist', 'novaops.mjs'), path.join(dir, 'novaops.mjs'));
});
afterAll(async () => {
  await lab?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ancestors(start: string): string[] {
  const out = [start];
  while (path.dirname(out[out.length - 1]) !== out[out.length - 1]) out.push(path.dirname(out[out.length - 1]));
  return out;
}

describe('the one-file CLI', () => {
  it('runs the drp dry-run on the lab from a directory that holds nothing else', async () => {
    expect(await readdir(dir)).toEqual(['novaops.mjs']);
    expect(ancestors(dir).filter((d) => existsSync(path.join(d, 'node_modules')))).toEqual([]);
    // Its own code cache goes here, not into the home of whoever runs the tests.
    const env = { ...lab.env, XDG_CACHE_HOME: path.join(dir, 'cache'), NODE_PATH: '' };

    // `list` runs the fast path, the script without any command's or runbook's code.
    const list = await runFile('novaops.mjs', ['list'], { cwd: dir, env: { ...env, NOVAOPS_STARTUP_TIMING: '1' } });
    expect(list.stdout).toMatch(/^drp\s+Recover cloud after disaster/m);
    expect(list.stderr).toMatch(/^novaops-startup .*"script":"fast path"/);
    expectDrpPlan(await runFile('novaops.mjs', ['run', 'drp', '--dry-run'], { cwd: dir, env }), scenario);

    // The second start uses the code cache the first one wrote, and plans the same.
    const again = await runFile('novaops.mjs', ['run', 'drp', '--dry-run'], { cwd: dir, env: { ...env, NOVAOPS_STARTUP_TIMING: '1' } });
    expect(again.stderr).toMatch(/^novaops-startup .*"script":"whole","cache":"used"/);
    // ... and reads the script the first one inflated, instead of inflating it again.
    expect(again.stderr).toMatch(/^novaops-startup .*"sourceCache":"used"/m);
    expectDrpPlan({ ...again, stderr: '' }, scenario);
  });

  it('does not run a kept script that was cut short: it inflates its own again and keeps that', async () => {
    const env = { ...lab.env, XDG_CACHE_HOME: path.join(dir, 'cache-cut'), NODE_PATH: '', NOVAOPS_STARTUP_TIMING: '1' };
    const first = await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env });
    expect(first.stderr).toMatch(/"sourceCache":"none"/);
    const cacheDir = path.join(dir, 'cache-cut', 'novaops');
    const [kept] = (await readdir(cacheDir)).filter((f) => f.startsWith('script-'));
    const whole = await readFile(path.join(cacheDir, kept), 'latin1');
    // Cut in half, as a full disk or a killed copy would leave it: run as it is, a syntax error at best.
    await writeFile(path.join(cacheDir, kept), whole.slice(0, Math.floor(whole.length / 2)), 'latin1');

    const cut = await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env });
    expect(cut.stderr).toMatch(/"sourceCache":"none"/);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toBe(first.stdout);
    expect((await readFile(path.join(cacheDir, kept), 'latin1')).length).toBe(whole.length);
  });

  it('runs no kept script that others can write, and drops what other builds left', async () => {
    const env = { ...lab.env, XDG_CACHE_HOME: path.join(dir, 'cache-perm'), NODE_PATH: '', NOVAOPS_STARTUP_TIMING: '1' };
    const cacheDir = path.join(dir, 'cache-perm', 'novaops');
    const first = await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env });
    expect(first.code).toBe(0);
    const [kept] = (await readdir(cacheDir)).filter((f) => f.startsWith('script-'));
    expect((await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env })).stderr).toMatch(/"sourceCache":"used"/);

    // Group-writable: someone else could have put code there. Not run; replaced by our own, private.
    await chmod(path.join(cacheDir, kept), 0o664);
    await writeFile(path.join(cacheDir, 'script-0123456789abcdef.js'), 'another build');
    await writeFile(path.join(cacheDir, 'code-0123456789abcdef-v20.0.0-x64.bin'), 'another build');
    const writable = await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env });
    expect(writable.code).toBe(0);
    expect(writable.stderr).toMatch(/"sourceCache":"none"/);
    expect((await stat(path.join(cacheDir, kept))).mode & 0o777).toBe(0o600);
    // The other build's files went when this one wrote its own.
    expect((await readdir(cacheDir)).filter((f) => f.includes('0123456789abcdef'))).toEqual([]);
    expect((await runFile('novaops.mjs', ['show', 'drp'], { cwd: dir, env })).stderr).toMatch(/"sourceCache":"used"/);
  });
});
