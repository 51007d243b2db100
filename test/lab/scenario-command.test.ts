// `novaops lab scenario <name>`: the command's handler, called with the flags commander hands it.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { labScenarioCommand } from '../../src/cli/commands/lab.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let saved: string | undefined;
beforeAll(async () => {
  lab = await createTestLab();
  saved = process.env.NOVAOPS_STATE_DIR;
  process.env.NOVAOPS_STATE_DIR = lab.stateDir;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.NOVAOPS_STATE_DIR;
  else process.env.NOVAOPS_STATE_DIR = saved;
  await lab?.destroy();
});

async function runCommand(name: string, flags: Record<string, string | boolean>): Promise<any> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    await labScenarioCommand(name, flags);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(out);
}

describe('lab scenario command', () => {
  test('failed-node with its options prints the summary', async () => {
    const s = await runCommand('failed-node', {
      instances: '5',
      volumes: '3',
      seed: '4',
      sharedStorage: true,
      legacyLibvirtXml: true,
      otherInstances: '1',
      heartbeatAge: '90',
    });
    expect(s).toMatchObject({ name: 'failed-node', failedHost: 'compute1', targetHost: 'compute2', sharedStorage: true, legacyLibvirtXml: true, heartbeatAgeSeconds: 90 });
    expect(s.counts).toEqual({ instances: 5, volumes: 3, otherInstances: 1 });
  });

  test('stuck-instance and power-loss; unknown names and bad numbers are usage errors', async () => {
    expect((await runCommand('stuck-instance', { instances: '6', volumes: '2', seed: '1' })).counts).toEqual({ instances: 6, volumes: 2, stuck: 5, healthy: 1 });
    expect((await runCommand('power-loss', { instances: '4', volumes: '2', seed: '1' })).name).toBe('power-loss');
    await expect(labScenarioCommand('stale-everything', {})).rejects.toThrow(/unknown scenario 'stale-everything'/);
    await expect(labScenarioCommand('failed-node', { instances: '2', volumes: '0', seed: '1', heartbeatAge: 'soon' })).rejects.toThrow(/--heartbeat-age/);
  });
});
