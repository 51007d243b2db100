// `novaops lab scenario` comes from the scenarios' own declarations (src/lab/scenarios/registry.ts):
// its --help lists every scenario with its line and every option a scenario declares, and the
// command reads each scenario's options by those declarations (scenario-command.test.ts runs them).
import { expect, test } from 'vitest';
import { SCENARIO_REGISTRY, scenarioCommandOptions } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';

test('--help lists every registered scenario and every option it declares, each flag once', async () => {
  const r = await runCli(['lab', 'scenario', '--help'], {});
  expect(r.code, r.stderr).toBe(0);
  const help = r.stdout;
  for (const scenario of SCENARIO_REGISTRY) {
    expect(help).toMatch(new RegExp(`^  ${scenario.name} +${scenario.summary}$`, 'm'));
    expect(help).toContain(scenario.name);
    for (const option of scenario.options) expect(help).toContain(option.flags);
  }
  const flags = scenarioCommandOptions().map((o) => o.flags);
  expect(new Set(flags).size).toBe(flags.length);
  // An option of one scenario names it; one every scenario takes (the seed) comes last, unnamed.
  expect(help).toMatch(/--shared-storage +failed-node: /);
  expect(flags[flags.length - 1]).toBe('--seed <n>');
});

test('an unknown scenario: exit 2, the registered names listed', async () => {
  const r = await runCli(['lab', 'scenario', 'stale-everything'], {});
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`unknown scenario 'stale-everything'`);
  expect(r.stderr).toContain(SCENARIO_REGISTRY.map((s) => s.name).join(', '));
});
