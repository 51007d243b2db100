// Acceptance: bad input — unknown runbook, malformed or unknown --test-instance, unreachable DB,
// wrong API password, unknown schema, a live run with nobody to confirm — each gets a clear error
// that says what to do, exit code 2, and nothing changed (every table's CHECKSUM is the same and
// the API simulator served no mutating request). The real CLI, as a subprocess, against a lab.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freeLoopbackPort } from '../../src/lab/index.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { checksums, type Checksums } from '../support/db-snapshot.js';
import { writeCloudsYamlVariant, writeLabConfigVariant } from '../support/lab-config.js';
import { runIds } from '../support/transcript-watch.js';

let lab: TestLab;
let before: Checksums;
let runsBefore: string[];

beforeEach(async () => {
  lab = await createTestLab();
  await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 7 });
  before = await checksums(lab);
  runsBefore = await runIds(lab.stateDir);
  await lab.resetStats();
});

afterEach(async () => {
  await lab?.destroy();
});

/** Exit 2, the problem named on stderr with a "what to do:" line, and nothing changed. */
async function expectBadInput(result: CliResult, problem: RegExp): Promise<void> {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.signal, context).toBeNull();
  expect(result.code, context).toBe(2);
  expect(result.stderr, context).toMatch(problem);
  expect(result.stderr, context).toMatch(/what to do: \S.*/);
  expect(result.stderr, context).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m); // no stack trace
  await expectNothingChanged();
}

async function expectNothingChanged(): Promise<void> {
  expect(await checksums(lab)).toEqual(before);
  const stats = await lab.stats();
  expect(stats.mutatingRequests, JSON.stringify(stats.requests)).toBe(0);
  expect(stats.rebootsByServer).toEqual({});
  expect(stats.attachesByVolume).toEqual({});
}

/** Found before the run existed: no run directory, not even one that says "refused". */
async function expectNoRunDirectory(result: CliResult): Promise<void> {
  expect(await runIds(lab.stateDir), result.stdout + result.stderr).toEqual(runsBefore);
  expect(result.stdout).toContain('no run directory was created');
}

async function someInstance(): Promise<{ uuid: string; name: string }> {
  const [row] = await lab.rootQuery<{ uuid: string; display_name: string }[]>(
    `SELECT uuid, display_name FROM \`${lab.info.db.schemas.nova}\`.instances WHERE deleted = 0 ORDER BY id LIMIT 1`,
  );
  return { uuid: row.uuid, name: row.display_name };
}

describe('bad input: exit 2, a hint, nothing changed', () => {
  test('unknown runbook', async () => {
    const r = await runCli(['run', 'nosuch'], lab.env);
    await expectBadInput(r, /unknown runbook 'nosuch'/);
    expect(r.stderr).toMatch(/what to do: .*drp/); // names the runbooks that exist
  });

  test('malformed --test-instance is refused before anything is read', async () => {
    const r = await runCli(['run', 'drp', '--test-instance', 'x;rm -rf /'], lab.env);
    await expectBadInput(r, /--test-instance: 'x;rm -rf \/' is neither an instance UUID nor an instance name/);
    // Refused on its format: not even a read went to the API.
    expect((await lab.stats()).requests).toEqual({});
  });

  test('unknown --test-instance: a UUID no instance has', async () => {
    const uuid = randomUUID();
    const r = await runCli(['run', 'drp', '--test-instance', uuid], lab.env);
    await expectBadInput(r, new RegExp(`--test-instance: no instance ${uuid}`));
    await expectNoRunDirectory(r);
  });

  test('unknown --test-instance: a name no instance has', async () => {
    const known = await someInstance();
    expect(known.name).not.toBe('no-such-vm');
    const r = await runCli(['run', 'drp', '--test-instance', 'no-such-vm'], lab.env);
    await expectBadInput(r, /--test-instance: no instance named 'no-such-vm'/);
    await expectNoRunDirectory(r);
  });

  test('unreachable database: names it, never prints its password', async () => {
    const closedPort = await freeLoopbackPort();
    const config = await writeLabConfigVariant(lab, 'unreachable-db.yaml', (doc) => {
      doc.databases.nova = { url: `mysql+pymysql://u:secretpw@127.0.0.1:${closedPort}/nova` };
    });
    const r = await runCli(['run', 'drp', '--yes'], { ...lab.env, NOVAOPS_CONFIG: config });
    await expectBadInput(r, new RegExp(`cannot use the nova database nova at 127\\.0\\.0\\.1:${closedPort} as u`));
    expect(r.stdout + r.stderr).not.toContain('secretpw');
    // It stopped before the API was even asked for a token.
    expect((await lab.stats()).requests).toEqual({});
  });

  test('wrong API password: names the API and the user, never the password', async () => {
    const clouds = await writeCloudsYamlVariant(lab, 'clouds-wrong.yaml', 'not-the-password-4711');
    const config = await writeLabConfigVariant(lab, 'wrong-password.yaml', (doc) => {
      doc.clouds_yaml = clouds;
    });
    const r = await runCli(['run', 'drp', '--yes'], { ...lab.env, NOVAOPS_CONFIG: config });
    await expectBadInput(r, new RegExp(`cannot authenticate to the OpenStack API at ${lab.info.api.authUrl.replace(/[.]/g, '\\.')} as admin`));
    expect(r.stdout + r.stderr).not.toContain('not-the-password-4711');
    // Only the refused token request reached the API.
    const { requests } = await lab.stats();
    expect(Object.keys(requests).every((k) => /auth\/tokens/.test(k)), JSON.stringify(requests)).toBe(true);
  });

  test('unknown schema: stops before the run exists and names the columns it found', async () => {
    const cinder = `\`${lab.info.db.schemas.cinder}\``;
    await lab.rootQuery(`ALTER TABLE ${cinder}.volume_attachment DROP COLUMN mountpoint`);
    const [{ n }] = await lab.rootQuery<{ n: number }[]>(
      'SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME IN (?, ?)',
      [lab.info.db.schemas.cinder, 'volumes', 'instance_uuid', 'mountpoint'],
    );
    expect(Number(n), 'the lab cinder.volumes must not look like the cinder-columns flavour').toBe(0);
    before = await checksums(lab); // "nothing changed" counts from after the ALTER

    const r = await runCli(['run', 'drp', '--yes'], lab.env);
    await expectBadInput(r, /unrecognised schema in cell cell1 \(\S+ at 127\.0\.0\.1:\d+\): cinder has volumes\(.*\battach_status\b.*\), volume_attachment\(.*\bvolume_id\b.*\)/);
    const found = /volume_attachment\(([^)]*)\)/.exec(r.stderr)![1].split(', ');
    expect(found).toContain('instance_uuid');
    expect(found).not.toContain('mountpoint');
    expect(r.stderr).toMatch(/what to do: novaops knows modern Cinder/);
    await expectNoRunDirectory(r);
  });

  test('a live run without --yes and without a terminal refuses at the first confirmation', async () => {
    const r = await runCli(['run', 'drp'], lab.env);
    await expectBadInput(r, /confirmation needed but there is no terminal to ask on: "Step \d+: .*Go ahead\?"/);
    expect(r.stderr).toMatch(/what to do: rerun on a terminal, or with --yes/);
    // Nothing reached the point of rebooting or reattaching, and only reads went to the API.
    expect(r.stdout).not.toMatch(/confirm: .* -> yes/);
  });
});
