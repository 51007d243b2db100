// Invariant 9 at execution time: "iscsiadm logout always names one session, whoever builds it".
// The plan-time check (step-runner) sees only the operations a step RETURNS; a discovery read a
// step executes itself (ctx.read / ctx.tryRead) never passes there. A read declared
// mutating:false that is really `iscsiadm -m session -u` must still be refused by the execution
// path (executeOperation -> executeShell) before it reaches the host: on a lab host it would close
// every iSCSI session (a real, running lab host: its iscsiadm script edits the sessions file).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import type { Effects } from '../../src/effects/types.js';
import { EngineRuleError, ExitCode } from '../../src/engine/errors.js';
import { EventBus, type EngineEvent } from '../../src/engine/events.js';
import { executeOperation } from '../../src/engine/execute-operation.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { assumeYes } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook } from '../../src/engine/runbook.js';
import type { RunStore } from '../../src/engine/run-store.js';
import { startRun } from '../../src/engine/runner.js';
import { createStepContext, type ContextDeps } from '../../src/engine/step-context.js';
import { hostPaths, volumeIqn, writeSessionTable } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

const HOST = 'compute1';
const REFUSAL = /^refused: "iscsiadm -m session (-u|--logout)" must name exactly one session with -r N; without it iscsiadm closes all sessions$/;

/** A logout of every session, declared as harmless discovery. */
function sneakyLogout(flag: '-u' | '--logout'): ShellOperation & { mutating: false } {
  const argv = ['iscsiadm', '-m', 'session', flag];
  return { kind: 'shell', host: HOST, argv, mutating: false, summary: 'list iSCSI sessions', target: { host: HOST }, command: argv.join(' '), okExit: [0, 21] };
}

let lab: TestLab;
let config: NovaopsConfig;
let fx: Effects;
let sessionsFile: string;
let seeded: Buffer;

beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
  config = await loadConfig({ configPath: lab.info.configFile, env: { ...process.env, ...lab.env }, cwd: lab.stateDir });
  fx = createEffects(config);
  sessionsFile = hostPaths(lab.info.dir, HOST).sessions;
});
afterAll(async () => {
  await fx?.close();
  await lab?.destroy();
});
beforeEach(async () => {
  await writeSessionTable(lab.info.dir, HOST, [1, 2, 3].map((n) => volumeIqn(`volume-0000000${n}-aaaa-4bbb-8ccc-dddddddddddd`)));
  seeded = await readFile(sessionsFile);
  expect(seeded.toString().trim().split('\n')).toHaveLength(3);
});

describe('shell policy at execution time (a read-only-declared logout of every session)', () => {
  it('the harness is live: a real read-only iscsiadm goes through the same path and reaches the host', async () => {
    const argv = ['iscsiadm', '-m', 'session'];
    const list = await executeOperation({ kind: 'shell', host: HOST, argv, mutating: false, summary: 'list', target: { host: HOST }, command: argv.join(' ') }, fx);
    expect(list.ok).toBe(true);
    expect(list.stdout?.trim().split('\n')).toHaveLength(3);
  });

  it.each(['-u', '--logout'] as const)('executeOperation refuses `iscsiadm -m session %s`; the sessions file is byte-equal', async (flag) => {
    const refused = executeOperation(sneakyLogout(flag), fx);
    await expect(refused).rejects.toBeInstanceOf(EngineRuleError);
    await expect(refused).rejects.toThrow(REFUSAL);
    expect(await readFile(sessionsFile)).toEqual(seeded);
  });

  it.each(['read', 'tryRead'] as const)('StepContext.%s (discovery) refuses it too; the sessions file is byte-equal', async (how) => {
    const bus = new EventBus(0);
    const events: EngineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    // The context reads only these of its store (run id and facts); nothing here is written.
    const store = { state: { runId: 'shell-policy-exec', facts: {} }, save: async () => undefined, artifacts: undefined } as unknown as RunStore;
    let n = 0;
    const deps = {
      store,
      effects: fx,
      bus,
      mode: 'dry-run' as const,
      params: {},
      scope: {},
      concurrency: 2,
      poll: config.poll,
      nextOpId: (step: string) => `${step}#${++n}`,
      predecessors: async () => [],
    };
    const ctx = createStepContext('discover', deps as ContextDeps);
    const refused = how === 'read' ? ctx.read(sneakyLogout('-u')) : ctx.tryRead(sneakyLogout('-u'));
    await expect(refused).rejects.toBeInstanceOf(EngineRuleError);
    await expect(refused).rejects.toThrow(REFUSAL);
    expect(await readFile(sessionsFile)).toEqual(seeded);
    // Nothing reported the logout as done: it ended, refused, with nothing printed.
    expect(events.filter((e) => e.type === 'op.output')).toEqual([]);
    expect(events.filter((e) => e.type === 'op.end').map((e) => ({ ok: (e as { ok: boolean }).ok, error: (e as { error?: string }).error }))).toEqual([{ ok: false, error: expect.stringMatching(REFUSAL) }]);
  });

  it('a dry-run of a runbook whose read-only step "discovers" with it is refused by the engine (exit 1, EngineRuleError); no session closed', async () => {
    const runbook: Runbook<Record<string, never>> = {
      id: 'sneaky',
      title: 'discovery that logs out',
      version: '1',
      reference: 'test',
      summary: 'a read-only step whose discovery read is a logout of every session',
      options: [],
      params: z.object({}).strict(),
      
      steps: [
        {
          id: 'discover',
          title: 'list iSCSI sessions',
          changes: 'nothing',
          readOnly: true,
          async plan(ctx) {
            await ctx.read(sneakyLogout('-u'));
            return { items: [] };
          },
        },
      ],
    };
    const result = await startRun(
      { runbook, params: {}, mode: 'dry-run' },
      { config, effects: fx, prompter: assumeYes, redactor: new Redactor(configSecrets(config)) },
    );
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(ExitCode.failed);
    expect(result.error).toBeInstanceOf(EngineRuleError);
    expect(result.error?.message).toMatch(REFUSAL);
    expect(await readFile(sessionsFile)).toEqual(seeded);
  });

  it('what is at stake: the same argv run on the host without the engine closes all three sessions', async () => {
    const res = await fx.hosts.run(HOST, sneakyLogout('-u').argv);
    expect(res.exitCode).toBe(0);
    expect(res.stdout.match(/successful\./g)).toHaveLength(3);
    expect(await readFile(sessionsFile, 'utf8')).toBe('');
  });
});
