// Row backups and rollback scripts hold connection_info, and with it the CHAP credentials of
// every cleaned attachment. They stay in the run directory, 0600 in a 0700 directory, and never
// reach the transcript, the terminal or an export (`transcripts show`, `--markdown`).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScenarioSummary, chapSecret } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let scenario: ScenarioSummary;

beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 21 });
});
afterAll(async () => lab?.destroy());

describe('secrets in row backups', () => {
  it('are kept private in the run directory and out of every transcript and export', async () => {
    const secrets = [...new Set(scenario.attached.map((p) => chapSecret(p.volume)))];
    expect(secrets.length).toBeGreaterThan(0);
    const run = await runCli(['run', 'drp', '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const runId = /run (\S+-drp-[0-9a-f]{4})/.exec(run.stdout)![1];
    const runDir = join(lab.stateDir, 'runs', runId);

    const artifacts = join(runDir, 'artifacts');
    const backups = (await readdir(artifacts)).filter((f) => /^(rows|rollback)-/.test(f));
    expect(backups.length).toBeGreaterThanOrEqual(2);
    const backupText = (await Promise.all(backups.map((f) => readFile(join(artifacts, f), 'utf8')))).join('\n');
    // The test means something only if the backups really hold the secrets.
    expect(secrets.some((s) => backupText.includes(s))).toBe(true);
    for (const f of backups) expect((await stat(join(artifacts, f))).mode & 0o777, f).toBe(0o600);
    expect((await stat(artifacts)).mode & 0o777).toBe(0o700);
    expect((await stat(runDir)).mode & 0o777).toBe(0o700);

    const shown = await runCli(['transcripts', 'show', runId], lab.env);
    const markdown = await runCli(['transcripts', 'show', runId, '--markdown'], lab.env);
    expect(shown.code).toBe(0);
    expect(markdown.code).toBe(0);
    const exported = {
      stdout: run.stdout + run.stderr,
      transcript: await readFile(join(runDir, 'transcript.jsonl'), 'utf8'),
      state: await readFile(join(runDir, 'state.json'), 'utf8'),
      show: shown.stdout,
      markdown: markdown.stdout,
    };
    for (const [where, text] of Object.entries(exported)) {
      for (const s of secrets) expect(text.includes(s), `${where} holds a CHAP secret`).toBe(false);
    }
  });
});
