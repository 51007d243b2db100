// The exit-code rule in the engine's structure: a runbook's checkInput runs before the run
// directory exists. Bad input found there is exit 2, outcome refused, and leaves no run directory
// (not even one half-built under a dot-name); input that passes gets its run directory after it.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { ExitCode, UsageError } from '../../src/engine/errors.js';
import type { Runbook, Step } from '../../src/engine/runbook.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let engine: LabEngine;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  engine = await labEngine(lab);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

/** Every entry of the runs directory, dot-names (a run directory being built) included. */
async function runEntries(): Promise<string[]> {
  try {
    return (await readdir(join(lab.stateDir, 'runs'))).sort();
  } catch {
    return [];
  }
}

const readOnlyStep: Step = { id: 'look', title: 'look', changes: 'nothing', readOnly: true, async plan() { return { items: [] }; } };

let ids = 0;
function runbookChecking(check: Runbook['checkInput']): Runbook {
  return { id: `check-input-${++ids}`, title: 'check input', version: '0', reference: 'test', summary: 'test', options: [], params: z.object({}).passthrough(), checkInput: check, steps: [readOnlyStep] };
}

it('bad input found by checkInput: exit 2, refused, no run directory was there when it ran nor after', async () => {
  const before = await runEntries();
  let seenByCheck: string[] | undefined;
  const result = await engine.run(
    runbookChecking(async () => {
      seenByCheck = await runEntries();
      throw new UsageError('--thing nosuch: no such thing', 'give a thing the cloud has');
    }),
  );
  expect(seenByCheck, 'checkInput ran').toBeDefined();
  expect(seenByCheck, 'a run directory existed when checkInput ran').toEqual(before);
  expect({ exitCode: result.exitCode, outcome: result.outcome, runDir: result.runDir }).toEqual({ exitCode: ExitCode.usage, outcome: 'refused', runDir: null });
  expect(result.summary).toBe('--thing nosuch: no such thing');
  expect(await runEntries()).toEqual(before);
});

it('input that passes: checkInput still runs before the run directory, which exists after it', async () => {
  for (const mode of ['live', 'dry-run'] as const) {
    const before = await runEntries();
    let seenByCheck: string[] | undefined;
    const result = await engine.run(
      runbookChecking(async () => {
        seenByCheck = await runEntries();
      }),
      { mode },
    );
    expect(result.exitCode, result.summary).toBe(ExitCode.ok);
    expect(seenByCheck, `${mode}: a run directory existed when checkInput ran`).toEqual(before);
    expect(result.runDir).not.toBeNull();
    expect((await runEntries()).filter((e) => !before.includes(e))).toEqual([result.runId]);
  }
});
