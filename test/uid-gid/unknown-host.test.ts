// An unknown name in --hosts is bad input: found before the run exists (the runbook's checkInput),
// exit 2, the message names it and what the config knows, and no run directory is left behind (it
// used to be found by the audit step, leaving a run "refused" behind an exit 2).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { runCli } from '../support/cli.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIds } from '../support/transcript-watch.js';
import { TARGET_ARGS } from './support.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
});
afterAll(async () => lab?.destroy());

it('uid-gid --hosts compute1,nosuchhost: exit 2, named, and no run directory (live, dry-run, --json)', async () => {
  const before = await runIds(lab.stateDir);
  for (const mode of [['--yes'], ['--dry-run']]) {
    const r = await runCli(['run', 'uid-gid', '--hosts', 'compute1,nosuchhost', ...TARGET_ARGS, ...mode], lab.env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('--hosts: unknown host nosuchhost; the config knows: compute1, compute2');
    expect(r.stderr).toContain('under hosts: in the novaops config');
    expect(r.stdout).toContain('no run directory was created');
  }
  const json = await runCli(['run', 'uid-gid', '--hosts', 'compute1,nosuchhost', ...TARGET_ARGS, '--yes', '--json'], lab.env);
  expect(json.code, json.stdout + json.stderr).toBe(2);
  const end = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EngineEvent)
    .find((e): e is Extract<EngineEvent, { type: 'run.end' }> => e.type === 'run.end')!;
  expect({ outcome: end.outcome, runDir: end.runDir }).toEqual({ outcome: 'refused', runDir: null });
  expect(await runIds(lab.stateDir)).toEqual(before);
});
