// The last read before each reset (the step's recheck): os-resetState has no compare-and-set, and
// the guard "unchanged since the plan" runs before the confirmation. An instance that moves on
// while the operator reads the question passes the guard; only the read right before its reset
// can hold it back. So the instance is changed from inside the prompter, after the guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import type { Prompter } from '../../src/engine/prompter.js';
import { resetState } from '../../runbooks/reset-state/runbook.js';
import { labEngine, type LabEngine } from '../support/engine.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { actionCounts, instanceRows, pick, stuckScenario } from './stuck-lab.js';

let lab: TestLab;
let engine: LabEngine;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 2 });
  engine = await labEngine(lab);
});
afterAll(async () => {
  await engine?.close();
  await lab?.destroy();
});

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

describe('reset-state: an instance that moves on while the confirmation is open', () => {
  it('is held back by the read right before its reset, after the guard passed it; the other one is reset once', async () => {
    const scenario = await stuckScenario(lab, { instances: 12, volumes: 2, seed: 7 });
    const a = pick(scenario, 'reboot_started_hard');
    const b = pick(scenario, 'migrating');
    const { nova } = lab.info.db.schemas;
    const questions: string[] = [];
    // While the operator reads the question, B's migration ends: Nova clears its task.
    const prompter: Prompter = {
      async confirm(question) {
        questions.push(question);
        await lab.rootQuery(`UPDATE \`${nova}\`.instances SET vm_state = 'active', task_state = NULL, updated_at = UTC_TIMESTAMP() WHERE uuid = ?`, [b.uuid]);
        return { answer: true, how: 'test' };
      },
    };

    const params = resetState.params.parse({ instances: [a.name, b.uuid] });
    const result = await engine.run(resetState, { params, prompter });

    expect(questions, 'the reset step asked once').toHaveLength(1);
    // The guard ran before the change: it held nothing back.
    const guard = result.events.find((e): e is Ev<'guard'> => e.type === 'guard' && e.step === 'reset' && e.name === 'unchanged since the plan')!;
    expect(guard).toMatchObject({ ok: true, heldBack: [] });
    // The read right before the reset did.
    const items = result.events.filter((e): e is Ev<'item'> => e.type === 'item' && e.step === 'reset');
    expect(items.find((e) => e.key === `reset:${b.uuid}`)).toMatchObject({ status: 'held', detail: expect.stringContaining('moved on since the plan') });
    expect(items.find((e) => e.key === `reset:${a.uuid}`)).toMatchObject({ status: 'done' });
    expect(await actionCounts(lab, 'resetState')).toEqual({ [a.uuid]: 1 });
    const rows = await instanceRows(lab);
    expect([rows.get(b.uuid)!.vm_state, rows.get(b.uuid)!.task_state], 'B as its migration left it').toEqual(['active', null]);
    expect([rows.get(a.uuid)!.vm_state, rows.get(a.uuid)!.task_state]).toEqual(['error', null]);
    // An item held back is the run's own outcome (exit 5), not a plain success.
    expect([result.outcome, result.exitCode], result.summary).toEqual(['completed-held-back', 5]);
  });
});
