// Issue 15, acceptance 2 (npm): `npm pack` gives a tarball that `npm install -g` installs offline
// (it declares no dependencies: the one file carries them) with a working `novaops` on PATH, which
// lists the runbooks and runs a drp dry-run on the lab. Needs the build (dist/novaops.mjs).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';
import { expectDrpPlan } from '../support/drp-dry-run-check.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runFile } from '../support/run-file.js';
import type { ScenarioSummary } from '../../src/lab/index.js';

const run = promisify(execFile);
let lab: TestLab;
let scenario: ScenarioSummary;
let tmp: string;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 16 });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'novaops-install-'));
});
afterAll(async () => {
  await lab?.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('npm pack, npm install -g', () => {
  it('installs a novaops that lists the runbooks and plans a drp on the lab', async () => {
    const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    await run('npm', ['pack', '--pack-destination', tmp], { cwd: REPO, env: npmEnv });
    const [tarball] = (await readdir(tmp)).filter((f) => /^novaops-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();

    const { stdout: listing } = await run('tar', ['-tzf', path.join(tmp, tarball)]);
    const files = listing.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/novaops.mjs');
    expect(files).toContain('package/bin/novaops');
    expect(files).toContain('package/README.md');
    expect(files.filter((f) => /^package\/(src|runbooks|test)\//.test(f))).toEqual([]);

    const prefix = path.join(tmp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', path.join(tmp, tarball)], { cwd: tmp, env: npmEnv });
    expect(await readdir(path.join(prefix, 'lib', 'node_modules', 'novaops'))).not.toContain('node_modules');

    // `novaops` as the shell finds it on PATH, from a directory away from the checkout.
    const bin = path.join(prefix, 'bin');
    const env = { ...lab.env, PATH: `${bin}:${process.env.PATH}`, XDG_CACHE_HOME: path.join(tmp, 'cache') };
    const { stdout: which } = await run('sh', ['-c', 'command -v novaops'], { env: { ...process.env, ...env } });
    expect(which.trim()).toBe(path.join(bin, 'novaops'));
    const list = await run('novaops', ['list'], { cwd: tmp, env: { ...process.env, ...env } });
    expect(list.stdout).toMatch(/^drp\s+Recover cloud after disaster/m);

    expectDrpPlan(await runFile(path.join(bin, 'novaops'), ['run', 'drp', '--dry-run'], { cwd: tmp, env }), scenario);
  });
});
