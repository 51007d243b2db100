// "Secrets are redacted before an event is written" (DESIGN section 4), end to end: a run of the
// real engine whose read-only step really reads the lab's nova.conf (the DB password is in its
// [database] connection URL) through a lab host's shell, and notes the connection it found. The
// password must then be in none of: the transcript, what the plain presenter printed, and any
// file of the run's directory. Without this, no test ever puts a secret into an event.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attachPlainPresenter } from '../../src/cli/presenters/plain.js';
import { loadConfig } from '../../src/config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { Effects } from '../../src/effects/types.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { assumeYes } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook } from '../../src/engine/runbook.js';
import { startRun, type RunResult } from '../../src/engine/runner.js';
import { readServiceConnection } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

const HOST = 'compute1';

function readConf(file: string): ShellOperation & { mutating: false } {
  const argv = ['cat', file];
  return { kind: 'shell', host: HOST, argv, mutating: false, summary: 'read nova.conf on the compute node', target: { host: HOST }, command: argv.join(' ') };
}

/** A tiny runbook: one read-only step that reads nova.conf and says what connection it found. */
function confReader(novaConf: string): Runbook<Record<string, never>> {
  return {
    id: 'read-conf',
    title: 'read the nova.conf of a compute node',
    version: '1',
    reference: 'test',
    summary: 'reads a file that holds a password',
    options: [],
    params: z.object({}).strict(),
    
    steps: [
      {
        id: 'read-conf',
        title: 'read nova.conf',
        changes: 'nothing',
        readOnly: true,
        async plan(ctx) {
          const { stdout = '' } = await ctx.read(readConf(novaConf));
          const connection = stdout.split('\n').find((l) => l.startsWith('connection')) ?? '(none)';
          ctx.note(`nova.conf on ${HOST}: ${connection}`);
          ctx.warn(`the ${HOST} nova.conf is ${stdout.length} bytes: ${stdout.replace(/\n/g, ' | ')}`);
          return { items: [] };
        },
      },
    ],
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

let lab: TestLab;
let config: NovaopsConfig;
let fx: Effects;
let password: string;
let result: RunResult;
let printed = '';

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env }, cwd: lab.stateDir });
  fx = createEffects(config);
  password = (await readServiceConnection(lab.info.novaConf)).password;
  // As the CLI wires it (src/cli/cloud-session.ts, drive-run.ts): one Redactor of the config's secrets.
  const redactor = new Redactor(configSecrets(config));
  result = await startRun(
    { runbook: confReader(lab.info.novaConf), params: {}, mode: 'live' },
    {
      config,
      effects: fx,
      prompter: assumeYes,
      redactor,
      onBus: (bus) => attachPlainPresenter(bus, redactor, (text) => (printed += text)),
    },
  );
});
afterAll(async () => {
  await fx?.close();
  await lab?.destroy();
});

describe('a secret read by a step never reaches the transcript, the terminal or the run dir', () => {
  it('the lab DB password is real, long enough to redact, and in nova.conf in plain and URL form', async () => {
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(config.databases.nova.password).toBe(password);
    const conf = await readFile(lab.info.novaConf, 'utf8');
    expect(conf).toContain(`:${encodeURIComponent(password)}@`);
  });

  it('the run completed and its step really read the file (op.output and op.end of the read)', async () => {
    expect({ outcome: result.outcome, exitCode: result.exitCode, error: result.error?.message }).toEqual({ outcome: 'completed', exitCode: 0, error: undefined });
    expect(result.runDir).not.toBeNull();
    expect(result.transcript).not.toBeNull();
    const events = (await readFile(result.transcript!, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EngineEvent);
    const start = events.find((e): e is Extract<EngineEvent, { type: 'op.start' }> => e.type === 'op.start' && e.summary === 'read nova.conf on the compute node');
    expect(start).toBeDefined();
    const output = events.filter((e): e is Extract<EngineEvent, { type: 'op.output' }> => e.type === 'op.output' && e.opId === start!.opId);
    expect(output.map((e) => e.stream)).toEqual(['stdout']);
    // What the host answered is there, with the password masked.
    expect(output[0].chunk).toMatch(/connection = mysql\+pymysql:\/\/[^:]+:\*\*\*@127\.0\.0\.1:\d+\//);
    const end = events.find((e) => e.type === 'op.end' && e.opId === start!.opId);
    expect(end).toMatchObject({ ok: true, exitCode: 0 });
    expect(printed).toMatch(/nova\.conf on compute1: connection = mysql\+pymysql:\/\/[^:]+:\*\*\*@/);
  });

  it('the password (plain or URL-encoded) is in no transcript line, no presenter line, no file under the run dir', async () => {
    const forms = [...new Set([password, encodeURIComponent(password)])];
    const runDir = result.runDir!;
    const transcript = await readFile(result.transcript!, 'utf8');
    expect(transcript.length).toBeGreaterThan(0);
    const files = await filesUnder(runDir);
    expect(files.map((f) => path.relative(runDir, f))).toEqual(expect.arrayContaining(['state.json', 'transcript.jsonl']));
    const leaks: string[] = [];
    for (const form of forms) {
      if (transcript.includes(form)) leaks.push(`transcript contains ${form}`);
      if (printed.includes(form)) leaks.push(`presenter output contains ${form}`);
      for (const f of files) if ((await readFile(f, 'latin1')).includes(form)) leaks.push(`${path.relative(runDir, f)} contains ${form}`);
    }
    expect(leaks).toEqual([]);
  });
});
