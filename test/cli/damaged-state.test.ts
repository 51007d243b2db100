// Damaged run directories and hostile arguments (issue "Safety first"): each gets a message that
// names the file or argument and what to do, exit 2, and nothing changed — in the cloud (table
// checksums, no mutating API request) and in the run directory (its files byte-equal). The runs
// are made by the real engine (a live drp the operator stopped at the DB cleanup, resumable) and
// then handed, damaged, to the real CLI.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Prompter } from '../../src/engine/prompter.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { drp } from '../../runbooks/drp/runbook.js';
import { runCli, type CliResult } from '../support/cli.js';
import { checksums, type Checksums } from '../support/db-snapshot.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;
let cloudBefore: Checksums;

beforeAll(async () => {
  lab = await createTestLab();
  engine = await labEngine(lab);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});
let generation = 0;
beforeEach(async () => {
  // Each test starts with no runs: a damaged drp directory left by one test blocks new drp runs
  // (it might be an unfinished run), which is the rule, but not what the next test is about.
  await rename(join(lab.stateDir, 'runs'), join(lab.stateDir, `runs-before-${++generation}`)).catch(() => undefined);
  await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 11 });
});

const sayNo: Prompter = { confirm: async () => ({ answer: false, how: 'test: no' }) };

/** A live drp, stopped by the operator at its first confirmation (the DB cleanup): resumable, map captured. */
async function stoppedRun(): Promise<{ runId: string; runDir: string }> {
  const result = await engine.run(drp as Runbook, { params: { sshReboot: false }, prompter: sayNo });
  expect(result.outcome).toBe('aborted');
  cloudBefore = await checksums(lab);
  await lab.resetStats();
  return { runId: result.runId, runDir: result.runDir! };
}

async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

async function expectRefused(r: CliResult, problem: RegExp, runDir?: string, runDirBefore?: Record<string, string>): Promise<void> {
  const context = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.code, context).toBe(2);
  expect(r.stderr, context).toMatch(problem);
  expect(r.stderr, context).toMatch(/what to do: \S.*/);
  expect(r.stdout + r.stderr, context).not.toMatch(/Cannot read properties|TypeError|URIError|at .*\.js:\d+:\d+/);
  expect(await checksums(lab)).toEqual(cloudBefore);
  expect((await lab.stats()).mutatingRequests).toBe(0);
  if (runDir && runDirBefore) expect(await hashTree(runDir)).toEqual(runDirBefore);
}

describe('a damaged state.json stops resume with the file named', () => {
  for (const [label, content, problem] of [
    ['null', 'null\n', /state\.json is damaged: not a JSON object \(it is null\)/],
    ['an array', '[]\n', /state\.json is damaged: not a JSON object \(it is an array\)/],
    ['a number', '42\n', /state\.json is damaged: not a JSON object \(it is number\)/],
    ['not JSON', '{"runId": "x", \n', /state\.json is damaged: not JSON/],
  ] as const) {
    it(`state.json that is ${label}`, async () => {
      const { runId, runDir } = await stoppedRun();
      await writeFile(join(runDir, 'state.json'), content);
      const before = await hashTree(runDir);
      await expectRefused(await runCli(['resume', runId, '--yes'], lab.env), new RegExp(`${runDir}/${problem.source}`), runDir, before);
    });
  }

  it('state.json without steps, and one whose scope is unknown (a rehearsal killed before it knew its instance)', async () => {
    const { runId, runDir } = await stoppedRun();
    const state = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8'));
    const { steps: _dropped, ...noSteps } = state;
    await writeFile(join(runDir, 'state.json'), JSON.stringify(noSteps));
    let before = await hashTree(runDir);
    await expectRefused(await runCli(['resume', runId, '--yes'], lab.env), /state\.json is damaged: steps: /, runDir, before);

    // A resume must never widen a scope: a scope that cannot be known is not resumable at all.
    await writeFile(join(runDir, 'state.json'), JSON.stringify({ ...state, scope: null }));
    before = await hashTree(runDir);
    const r = await runCli(['resume', '--yes'], lab.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no interrupted or failed run on cloud "novaops-lab" to resume \(1 damaged run directory skipped/);
    await expectRefused(await runCli(['resume', runId, '--yes'], lab.env), /its scope is unknown \("scope": null\)/, runDir, before);
    expect((await lab.stats()).rebootsByServer).toEqual({});
  });
});

describe('a damaged transcript', () => {
  it('null, number and array lines: resume refuses naming the lines; show prints what it can and names them', async () => {
    const { runId, runDir } = await stoppedRun();
    const path = join(runDir, 'transcript.jsonl');
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    await writeFile(path, [lines[0], 'null', '7', '[1,2]', ...lines.slice(1)].join('\n') + '\n');
    const before = await hashTree(runDir);
    await expectRefused(await runCli(['resume', runId, '--yes'], lab.env), /transcript\.jsonl is damaged: 3 line\(s\) are not events \(line 2 is null; line 3 is a number; line 4 is an array\)/, runDir, before);

    const shown = await runCli(['transcripts', 'show', runId], lab.env);
    expect(shown.code).toBe(2);
    expect(shown.stdout).toContain(`novaops drp 1.0.0 — run ${runId}`);
    expect(shown.stdout).toContain('ABORTED');
    expect(shown.stderr).toMatch(/line 2 is null/);
    expect(await hashTree(runDir)).toEqual(before);
  });

  it('transcripts list flags a damaged run directory and still lists the others', async () => {
    const good = await stoppedRun();
    const bad = await stoppedRun();
    await writeFile(join(bad.runDir, 'state.json'), 'null');
    const odd = join(lab.stateDir, 'runs', '20260101-000000-drp-ffff');
    await mkdir(odd, { recursive: true });
    const r = await runCli(['transcripts', 'list'], lab.env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^${good.runId}  drp +live +aborted `, 'm'));
    expect(r.stdout).toContain(`${bad.runId}  DAMAGED: state.json not a JSON object (it is null)`);
    expect(r.stdout).toContain('20260101-000000-drp-ffff  DAMAGED: no state.json');
    expect(r.stderr).toMatch(/2 run directories are damaged/);
    expect(r.stderr).toMatch(/what to do: /);
  });

  it('transcripts list over many damaged directories: one short line names the first few and counts the rest', async () => {
    const odd = Array.from({ length: 9 }, (_, i) => `20260102-00000${i}-drp-${'abcdef012'[i]}${'abcdef012'[i]}${'abcdef012'[i]}${'abcdef012'[i]}`);
    for (const id of odd) await mkdir(join(lab.stateDir, 'runs', id), { recursive: true });
    try {
      const r = await runCli(['transcripts', 'list'], lab.env);
      expect(r.code).toBe(2);
      for (const id of odd) expect(r.stdout).toContain(`${id}  DAMAGED: no state.json`);
      const summary = r.stderr.split('\n').find((l) => /run directories are damaged/.test(l))!;
      expect(summary).toMatch(/and \d+ more \(marked DAMAGED above\)/);
      // The line does not grow with the count: about what three names take, not nine.
      expect(summary.length).toBeLessThan(400);
    } finally {
      for (const id of odd) await rm(join(lab.stateDir, 'runs', id), { recursive: true, force: true });
    }
  });
});

describe('the volume map changed or broken after its capture', () => {
  it('says what happened, where the first hash is, and what to do; restored, the run finishes', async () => {
    const { runId, runDir } = await stoppedRun();
    const mapPath = join(runDir, 'artifacts', 'volume-map.json');
    const original = await readFile(mapPath, 'utf8');
    const map = JSON.parse(original);
    expect(map.entries.length).toBeGreaterThan(0);
    map.entries[0].device = '/dev/vdz';
    await writeFile(mapPath, `${JSON.stringify(map, null, 2)}\n`);

    const changed = await runCli(['resume', runId, '--yes'], lab.env);
    await expectRefused(changed, /the volume map \S+volume-map\.json changed since it was captured: its sha256 is now [0-9a-f]{64}, the capture's is recorded in \S+state\.json as facts\.volumeMap\.sha256/);
    expect(changed.stderr).toMatch(new RegExp(`what to do: restore the file from a copy .* novaops resume ${runId} .* novaops abandon ${runId}`));

    await writeFile(mapPath, '{ "capturedAt": tor');
    await expectRefused(await runCli(['resume', runId, '--yes'], lab.env), /the volume map \S+volume-map\.json is damaged since it was captured \(\S+ is not JSON\)/);

    await writeFile(mapPath, original);
    const finished = await runCli(['resume', runId, '--yes'], lab.env);
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toContain('COMPLETED');
  });
});

describe('hostile arguments', () => {
  it('a run id that is a path, a 10,000-character --test-instance, run without a runbook', async () => {
    cloudBefore = await checksums(lab);
    await lab.resetStats();
    const runsBefore = await readdir(join(lab.stateDir, 'runs')).catch(() => []);
    for (const args of [['resume', '../../../etc'], ['transcripts', 'show', '../runs/x'], ['abandon', '/etc/passwd']]) {
      await expectRefused(await runCli(args, lab.env), /is not a run id \(they look like 20260101-120000-drp-1a2b\)/);
    }
    const long = `vm${'x'.repeat(10_000)}`;
    const r = await runCli(['run', 'drp', '--dry-run', '--test-instance', long], lab.env);
    await expectRefused(r, /--test-instance/);
    expect(r.stderr.length).toBeLessThan(600);
    expect(r.stderr).toContain('(10002 characters)');

    const bare = await runCli(['run'], lab.env);
    await expectRefused(bare, /novaops run: which runbook\?/);
    expect(bare.stderr).toMatch(/known runbooks: drp/);
    expect(await readdir(join(lab.stateDir, 'runs')).catch(() => [])).toEqual(runsBefore);
  });
});
