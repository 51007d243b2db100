// An unknown name in --hosts is bad input: found before the run exists (the runbook's checkInput),
// exit 2, the message names it and what the config knows, and no run directory is left behind (it
// used to be found by the audit step, leaving a run "refused" behind an exit 2).
// A configured host that does not answer is not bad input (the operator typed a real host): a
// failed precondition, refused like a guard that fails (exit 3), with nothing changed.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { freeLoopbackPort, hostAddress, hostPaths } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { runIds } from '../support/transcript-watch.js';
import { TARGET_ARGS, treeHash } from './support.js';

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

it('uid-gid --hosts compute1,compute2 with compute2 configured but not answering: exit 3, refused, nothing changed', async () => {
  // compute2 over ssh to a loopback port nothing listens on: the connection is refused at once.
  const port = await freeLoopbackPort();
  const knownHosts = path.join(lab.stateDir, 'unreachable-known-hosts');
  await writeFile(knownHosts, '', { mode: 0o600 });
  const config = await writeLabConfigVariant(lab, 'uid-gid-unreachable.yaml', (doc) => {
    doc.hosts.compute2 = { via: 'ssh', root: hostPaths(lab.info.dir, 'compute2').root, address: hostAddress('compute2'), port, user: 'root', known_hosts_file: knownHosts };
  });
  const env = { ...lab.env, NOVAOPS_CONFIG: config };
  const trees = ['compute1', 'compute2'].map((h) => treeHash(hostPaths(lab.info.dir, h).root));
  const before = await runIds(lab.stateDir);
  const r = await runCli(['run', 'uid-gid', '--hosts', 'compute1,compute2', ...TARGET_ARGS, '--yes'], env);
  expect(r.code, r.stdout + r.stderr).toBe(3);
  expect(r.stdout + r.stderr).toMatch(/could not (read \/etc\/(passwd|group)|list the owners of the files) on compute2/);
  expect(r.stdout + r.stderr).toContain('check that compute2 is up and reachable (novaops doctor), then run again');
  const added = (await runIds(lab.stateDir)).filter((id) => !before.includes(id));
  expect(added).toHaveLength(1);
  const state = JSON.parse(await readFile(path.join(lab.stateDir, 'runs', added[0], 'state.json'), 'utf8')) as { status: string; mutatingSince?: string };
  expect({ status: state.status, mutatingSince: state.mutatingSince }).toEqual({ status: 'refused', mutatingSince: undefined });
  expect(['compute1', 'compute2'].map((h) => treeHash(hostPaths(lab.info.dir, h).root))).toEqual(trees);
});
