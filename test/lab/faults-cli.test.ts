// `novaops lab faults` and `lab status` against a running lab: the plan set, shown, persisted and
// cleared; bad input refused with exit 2 and nothing changed.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readLabInfo } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { createTestLab, labToken, type TestLab } from '../support/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 1 });
}, 120_000);
afterAll(async () => lab?.destroy());

test('lab faults sets the plan, lab status and lab faults show it with counts, --off clears it', async () => {
  const set = await runCli(['lab', 'faults', '--rate', '1', '--seed', '5', '--kinds', 'http-503'], lab.env);
  expect(set.code, set.stderr).toBe(0);
  expect(set.stdout).toBe('faults   rate 1, seed 5, http-503; injected: none yet\n');
  expect((await readLabInfo({ stateDir: lab.stateDir })).faults).toEqual({ rate: 1, seed: 5, kinds: ['http-503'], slowMs: 3000 });
  await expect(labToken(lab.info)).rejects.toThrow('503');
  const status = await runCli(['lab', 'status'], lab.env);
  // Its own API check meets the plan too: that is what an operator would see.
  expect(status.stdout).toContain('API      http://127.0.0.1');
  expect(status.stdout).toContain('DOWN (HTTP 503)');
  expect(status.stdout).toContain('faults   rate 1, seed 5, http-503; injected: http-503 2');
  const json = JSON.parse((await runCli(['lab', 'faults', '--json'], lab.env)).stdout);
  expect(json).toEqual({ faults: { rate: 1, seed: 5, kinds: ['http-503'], slowMs: 3000 }, injected: { 'http-503': 2 }, dbProxy: false });
  const off = await runCli(['lab', 'faults', '--off'], lab.env);
  expect(off.stdout).toBe('faults   off\n');
  expect((await readLabInfo({ stateDir: lab.stateDir })).faults).toBeUndefined();
  await labToken(lab.info);
});

test('bad input: exit 2, the problem named, the plan unchanged', async () => {
  await runCli(['lab', 'faults', '--rate', '0.5', '--seed', '9', '--kinds', 'http-500'], lab.env);
  const cases: [string[], string][] = [
    [['--rate', '2'], "--rate: '2' is not a number from 0 to 1"],
    [['--rate', '0.1', '--kinds', 'http-503,nope'], "--kinds: unknown fault kind 'nope'"],
    [['--rate', '0.1', '--seed', '-3'], "--seed: '-3' is not a whole number"],
    [['--seed', '3'], '--seed needs --rate'],
    [['--off', '--rate', '0.1'], '--off and --rate together'],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['lab', 'faults', ...args], lab.env);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.stderr).toContain(message);
  }
  const json = JSON.parse((await runCli(['lab', 'faults', '--json'], lab.env)).stdout);
  expect(json.faults).toEqual({ rate: 0.5, seed: 9, kinds: ['http-500'], slowMs: 3000 });
});
