// Acceptance: bad input to reset-state — an unknown instance, a malformed UUID, a name two
// instances share, a duration novaops does not read, instances and --stuck-for together or
// neither, --active with --delete, … — exit 2, a message naming the problem and a "what to do:"
// line, no stack trace, and nothing changed (every table's CHECKSUM, no mutating API request).
// Also a dry-run: the exact plan, every line marked, nothing changed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { checksums, type Checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIds } from '../support/transcript-watch.js';
import { pick, stuckScenario, type StuckInstanceSummary } from './stuck-lab.js';

let lab: TestLab;
let scenario: StuckInstanceSummary;
let before: Checksums;
let runsBefore: string[];

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  scenario = await stuckScenario(lab, { instances: 12, volumes: 3, seed: 9 });
});
afterAll(async () => lab?.destroy());

beforeEach(async () => {
  before = await checksums(lab);
  runsBefore = await runIds(lab.stateDir);
  await lab.resetStats();
});

async function expectBadInput(r: CliResult, problem: RegExp, opts: { noRequests?: boolean } = {}): Promise<void> {
  const context = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.signal, context).toBeNull();
  expect(r.code, context).toBe(2);
  expect(r.stderr, context).toMatch(problem);
  expect(r.stderr, context).toMatch(/what to do: \S.*/);
  expect(r.stderr, context).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  // Found before the run existed: no run directory, not even one that says "refused".
  expect(await runIds(lab.stateDir), context).toEqual(runsBefore);
  expect(await checksums(lab)).toEqual(before);
  const stats = await lab.stats();
  expect(stats.mutatingRequests, JSON.stringify(stats.requests)).toBe(0);
  // Refused on its form: not even a read went to the API.
  if (opts.noRequests) expect(stats.requests).toEqual({});
}

const run = (...args: string[]) => runCli(['run', 'reset-state', ...args, '--yes'], lab.env);

describe('reset-state: bad input is exit 2 and changes nothing', () => {
  it('an unknown name', async () => {
    await expectBadInput(await run('no-such-vm'), /no instance named 'no-such-vm'/);
  });

  it('an unknown UUID, beside a good name: both named in one message', async () => {
    const uuid = randomUUID();
    const good = pick(scenario, 'migrating', 2700);
    const r = await run(good.name, uuid, 'nope-2');
    await expectBadInput(r, new RegExp(`no instance ${uuid} in this cloud \\(Nova answered 404\\); no instance named 'nope-2'`));
  });

  it('a malformed UUID is named as one, before anything is read', async () => {
    const uuid = pick(scenario, 'migrating', 2700).uuid;
    const r = await run(uuid.slice(0, -1));
    await expectBadInput(r, new RegExp(`'${uuid.slice(0, -1)}' looks like a UUID but is not one`), { noRequests: true });
  });

  it('something that is neither a UUID nor a name', async () => {
    await expectBadInput(await run('x;rm -rf /'), /'x;rm -rf \/' is neither an instance UUID nor an instance name \(names are taken as letters, digits/, { noRequests: true });
  });

  it('a name two instances share', async () => {
    const [a, b] = [pick(scenario, 'migrating', 2700), pick(scenario, 'deleting', 2700)];
    await lab.rootQuery(`UPDATE \`${lab.info.db.schemas.nova}\`.instances SET display_name = ? WHERE uuid = ?`, [a.name, b.uuid]);
    before = await checksums(lab);
    try {
      const r = await run(a.name);
      await expectBadInput(r, new RegExp(`2 instances are named '${a.name}' \\((${a.uuid}|${b.uuid}), (${a.uuid}|${b.uuid})\\)`));
      expect(r.stderr).toMatch(/give the UUID of the one you mean/);
    } finally {
      await lab.rootQuery(`UPDATE \`${lab.info.db.schemas.nova}\`.instances SET display_name = ? WHERE uuid = ?`, [b.name, b.uuid]);
    }
  });

  for (const [value, reason] of [
    ['3x', 'is not a duration'],
    ['30', 'has no unit'],
    ['1m30h', 'is not a duration'],
    ['0m', 'is zero'],
    ['-5m', 'is not a duration'],
  ] as const) {
    it(`--stuck-for ${value}: names the argument and the accepted forms`, async () => {
      const r = await run('--stuck-for', value);
      await expectBadInput(r, new RegExp(`--stuck-for: '${value}' ${reason}; give a number and a unit, e.g. 90s, 30m, 2h, 1h30m`), { noRequests: true });
    });
  }

  it('instances and --stuck-for together', async () => {
    const r = await run(pick(scenario, 'migrating', 2700).name, '--stuck-for', '30m');
    await expectBadInput(r, /both instances and --stuck-for were given/, { noRequests: true });
  });

  it('neither instances nor --stuck-for', async () => {
    await expectBadInput(await run(), /which instances\? name them \(UUID or exact name\), or .*--stuck-for 30m/, { noRequests: true });
  });

  it('--active with --delete', async () => {
    const r = await run(pick(scenario, 'migrating', 2700).name, '--active', '--delete');
    await expectBadInput(r, /--active and --delete contradict each other/, { noRequests: true });
  });

  it('--force with --stuck-for', async () => {
    await expectBadInput(await run('--stuck-for', '1h', '--force'), /--force only applies to instances named on the command line/, { noRequests: true });
  });

  it('--test-instance that is not one of the instances named', async () => {
    const [a, b] = [pick(scenario, 'migrating', 2700), pick(scenario, 'deleting', 2700)];
    const r = await run(a.name, '--test-instance', b.name);
    await expectBadInput(r, new RegExp(`--test-instance ${b.name} is not one of the instances named`));
  });
});

describe('reset-state --dry-run', () => {
  it('prints the before table and every reset and delete it would send; changes nothing', async () => {
    const stuck = scenario.instances.filter((i) => i.stuck);
    const r = await runCli(['run', 'reset-state', '--stuck-for', '4m', '--delete', '--dry-run'], lab.env);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.every((l) => l.startsWith('[DRY-RUN]'))).toBe(true);
    for (const x of stuck) {
      expect(lines.some((l) => l.includes(x.uuid) && l.includes(x.taskState!) && l.includes('reset to error, then delete')), x.name).toBe(true);
      expect(lines.some((l) => l.includes(`plan: openstack server set --state error ${x.uuid}`))).toBe(true);
      expect(lines.some((l) => l.includes(`plan: openstack server delete ${x.uuid}`))).toBe(true);
    }
    for (const x of scenario.instances.filter((i) => !i.stuck)) expect(r.stdout).not.toContain(x.uuid);
    expect(await checksums(lab)).toEqual(before);
    const stats = await lab.stats();
    expect(stats.mutatingRequests).toBe(0);
    expect(stats.deletesByServer).toEqual({});
  });

  it('shows the refusal of a named instance that is not stuck, without changing anything', async () => {
    const healthy = pick(scenario, null);
    const r = await runCli(['run', 'reset-state', healthy.name, '--dry-run'], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/REFUSED: not stuck \(--force resets it anyway\)/);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });
});
