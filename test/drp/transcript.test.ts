// Acceptance 7: every run writes transcript.jsonl with DESIGN.md section 4's events,
// `transcripts show` renders it, and the DB and API passwords appear in no transcript, no
// output, no run file and no process argument list.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { readEvents, transcriptOf } from '../support/transcript-watch.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ settings: { latencyMs: 20 } });
  await lab.scenario('power-loss', { instances: 10, volumes: 14, seed: 2 });
});
afterAll(async () => lab?.destroy());

async function secrets(): Promise<string[]> {
  const nova = await readFile(lab.info.novaConf, 'utf8');
  const dbPassword = /mysql\+pymysql:\/\/[^:]+:([^@]+)@/.exec(nova)![1];
  const clouds = await readFile(lab.info.cloudsYaml, 'utf8');
  const apiPassword = /password:\s*["']?([^"'\n]+)/.exec(clouds)![1];
  return [decodeURIComponent(dbPassword), apiPassword];
}

async function argvOfAllProcesses(): Promise<string> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push((await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' '));
    } catch {
      // gone already
    }
  }
  return out.join('\n');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('transcripts', () => {
  it('records every kind of event, renders them, and never holds a password', async () => {
    const [dbPassword, apiPassword] = await secrets();
    expect(dbPassword.length).toBeGreaterThan(8);

    const run = startCli(['run', 'drp', '--yes'], lab.env);
    const argvSamples: string[] = [];
    while (run.child.exitCode === null) {
      argvSamples.push(await argvOfAllProcesses());
      await new Promise((r) => setTimeout(r, 25));
    }
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(argvSamples.length).toBeGreaterThan(2);

    const runId = /run (\d{8}-\d{6}-drp-[0-9a-f]{4})/.exec(result.stdout)![1];
    const events = await readEvents(transcriptOf(lab.stateDir, runId));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['run.start', 'step.start', 'guard', 'op.planned', 'op.start', 'op.output', 'op.end', 'confirm', 'step.end', 'run.end']) {
      expect(types.has(type as never), type).toBe(true);
    }
    expect(events.every((e, i) => e.seq === i + 1 && !Number.isNaN(Date.parse(e.ts)))).toBe(true);
    const start = events[0] as Extract<(typeof events)[number], { type: 'run.start' }>;
    expect(start).toMatchObject({ type: 'run.start', runbook: 'drp', mode: 'live', params: { sshReboot: false } });
    expect(start.operator).toBeTruthy();
    expect(events.at(-1)).toMatchObject({ type: 'run.end', outcome: 'completed' });

    const shown = await runCli(['transcripts', 'show', runId], lab.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('== Step 2: Clean the stale DB state');
    expect(shown.stdout).toContain('openstack server reboot --hard');
    expect(shown.stdout).toContain('== COMPLETED');
    const markdown = await runCli(['transcripts', 'show', runId, '--markdown'], lab.env);
    expect(markdown.stdout).toMatch(/^# novaops run /);
    // A document: the run's options, a heading and a table of items per step, commands as code.
    expect(markdown.stdout).toContain('| `--ssh-reboot` | no |');
    expect(markdown.stdout).toContain('## Step 2: Clean the stale DB state');
    expect(markdown.stdout).toContain('| Item | Outcome | Duration | Detail |');
    expect(markdown.stdout).toMatch(/```sh\n# changes: hard-reboot server [^\n]*\nopenstack server reboot --hard /);
    const listed = await runCli(['transcripts', 'list'], lab.env);
    expect(listed.stdout).toContain(runId);

    const runFiles = await filesUnder(join(lab.stateDir, 'runs', runId));
    expect(runFiles.some((f) => f.endsWith('rollback-clean-db-attempt1.sql'))).toBe(true);
    for (const secret of [dbPassword, apiPassword]) {
      for (const text of [result.stdout, result.stderr, shown.stdout, ...argvSamples]) expect(text).not.toContain(secret);
      for (const file of runFiles) expect(await readFile(file, 'utf8'), file).not.toContain(secret);
    }
  });
});
