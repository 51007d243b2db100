// The built CLI (npm run build first) with a config given but empty, and with a state directory
// that cannot be one: exit 2, the problem named on stderr with what to do, nothing created.
// Every path is in a temp dir; no database, API or /etc file is involved (the errors come first).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

let dir: string;
let env: Record<string, string>;
let stateDir: string;
let validConfig: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bad-config-cli-'));
  stateDir = path.join(dir, 'state');
  // A valid config a fallback would pick up: if one is taken, the run goes on and this test sees it.
  await writeFile(path.join(dir, 'nova.conf'), '[database]\nconnection = mysql+pymysql://nova:cli-secret-pw@127.0.0.1:1/nova\n');
  await writeFile(path.join(dir, 'cinder.conf'), '[database]\nconnection = mysql+pymysql://cinder:cli-secret-pw@127.0.0.1:1/cinder\n');
  validConfig = path.join(dir, 'valid.yaml');
  await writeFile(validConfig, `databases:\n  nova: { conf: ${dir}/nova.conf }\n  cinder: { conf: ${dir}/cinder.conf }\n`);
  await mkdir(path.join(dir, 'xdg-config', 'novaops'), { recursive: true });
  await writeFile(path.join(dir, 'xdg-config', 'novaops', 'config.yaml'), await readFile(validConfig));
  env = {
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
    XDG_STATE_HOME: path.join(dir, 'xdg-state'),
    NOVAOPS_STATE_DIR: stateDir,
    NOVAOPS_CONFIG: validConfig,
    OS_CLOUD: '',
    OS_AUTH_URL: 'http://127.0.0.1:1/v3',
    OS_USERNAME: 'u',
    OS_PASSWORD: 'cli-os-secret',
    OS_PROJECT_NAME: 'p',
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectConfigError(r: CliResult, problem: RegExp): void {
  const context = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.signal, context).toBeNull();
  expect(r.code, context).toBe(2);
  expect(r.stderr, context).toMatch(problem);
  expect(r.stderr, context).toMatch(/what to do: \S.*/);
  expect(r.stderr, context).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m); // no stack trace
  expect(r.stdout + r.stderr, context).not.toMatch(/cli-secret-pw|cli-os-secret/);
  expect(r.stdout + r.stderr, context).not.toMatch(/Cannot read properties|URI malformed|ENOTDIR/);
}

/** No run directory, lock or anything else anywhere a state dir could be. */
function expectNothingCreated(): void {
  expect(existsSync(stateDir), `${stateDir} was created`).toBe(false);
  expect(existsSync(path.join(dir, 'xdg-state')), 'the XDG state dir was created').toBe(false);
  expect(existsSync(path.join(dir, 'home', '.local'))).toBe(false);
}

describe('novaops run drp --dry-run with a bad config or state dir: exit 2, nothing created', () => {
  test("--config '' is an error naming --config, not a fallback to NOVAOPS_CONFIG or the user config", async () => {
    const r = await runCli(['--config', '', 'run', 'drp', '--dry-run'], env);
    expectConfigError(r, /^novaops: --config was given an empty path$/m);
    expectNothingCreated();
  });

  test('NOVAOPS_CONFIG= (set but empty) is an error naming NOVAOPS_CONFIG, not a fallback to the user config', async () => {
    const r = await runCli(['run', 'drp', '--dry-run'], { ...env, NOVAOPS_CONFIG: '' });
    expectConfigError(r, /^novaops: NOVAOPS_CONFIG is set but empty$/m);
    expect(r.stderr).toMatch(/what to do: unset it .* or give a path/);
    expectNothingCreated();
  });

  test('--config naming a directory', async () => {
    const r = await runCli(['--config', dir, 'run', 'drp', '--dry-run'], env);
    expectConfigError(r, new RegExp(`config ${dir.replace(/[.]/g, '\\.')} \\(from --config\\) is a directory, not a file`));
    expectNothingCreated();
  });

  test('NOVAOPS_STATE_DIR pointing at a regular file: named when the config loads, the file untouched', async () => {
    const file = path.join(dir, 'not-a-dir');
    await writeFile(file, 'keep me\n');
    const r = await runCli(['run', 'drp', '--dry-run'], { ...env, NOVAOPS_STATE_DIR: file });
    expectConfigError(r, new RegExp(`state directory ${file.replace(/[.]/g, '\\.')} \\(from NOVAOPS_STATE_DIR\\) exists but is not a directory`));
    expect(r.stderr).toMatch(/what to do: .*NOVAOPS_STATE_DIR/);
    expect(await readFile(file, 'utf8')).toBe('keep me\n');
    expectNothingCreated();
  });

  test('NOVAOPS_STATE_DIR under a regular file (ENOTDIR): names the file in the way', async () => {
    const file = path.join(dir, 'not-a-dir');
    await writeFile(file, 'keep me\n');
    const r = await runCli(['run', 'drp', '--dry-run'], { ...env, NOVAOPS_STATE_DIR: path.join(file, 'state') });
    expectConfigError(r, new RegExp(`cannot be created: ${file.replace(/[.]/g, '\\.')} is a regular file, not a directory`));
    expect(readdirSync(dir).sort()).toEqual(['cinder.conf', 'not-a-dir', 'nova.conf', 'valid.yaml', 'xdg-config']);
    expectNothingCreated();
  });
});
