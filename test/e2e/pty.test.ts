// The CLI in a real pseudo-terminal: the operator sees each confirmation (@inquirer/prompts) and
// answers it with keystrokes. Yes to every one recovers the rehearsal instance; no at the first
// stops with exit 4 and nothing changed; a dry-run marks every line.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { spawnCliInPty, type PtyCli } from '../support/pty.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let cli: PtyCli | undefined;

beforeEach(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 8, volumes: 12, seed: 3 });
});

afterEach(async () => {
  cli?.kill();
  cli = undefined;
  await lab?.destroy();
});

/** A SHUTOFF instance with data volumes that no other instance shares. */
function rehearsalInstance(): { uuid: string; name: string; volumes: string[] } {
  const shared = new Set(scenario.multiattach?.attachments.map((a) => a.volume) ?? []);
  for (const uuid of scenario.affectedInstances) {
    const pairs = scenario.attached.filter((p) => p.instance === uuid);
    if (pairs.length > 0 && pairs.every((p) => !shared.has(p.volume))) {
      const inst = scenario.instances.find((i) => i.uuid === uuid)!;
      return { uuid, name: inst.name, volumes: pairs.map((p) => p.volume) };
    }
  }
  throw new Error('the scenario has no instance with unshared data volumes');
}

const cinder = () => `\`${lab.info.db.schemas.cinder}\``;

// The prompt as @inquirer/prompts draws it: "? <question> (y/N)".
const PROMPT = /\? (Step (\d+): [^\n]*Go ahead\?) \(y\/N\)/;

describe('novaops in a pseudo-terminal', () => {
  test('asks before each changing step; yes to each recovers the instance (exit 0)', async () => {
    const target = rehearsalInstance();
    cli = spawnCliInPty(['run', 'drp', '--plain', '--test-instance', target.uuid], lab.env);
    const asked: number[] = [];
    for (;;) {
      const next = await cli.expectOneOf([PROMPT], 60_000);
      if ('exit' in next) break;
      const step = Number(next.match[2]);
      asked.push(step);
      cli.send('y');
      cli.send('\r');
      // The presenter records the answer; only after it is the next prompt looked for.
      await cli.expect(new RegExp(`confirm: Step ${step}: [^\\n]*Go ahead\\? -> yes \\(operator\\)`), 30_000);
      expect(asked.length, 'more confirmations than drp has changing steps').toBeLessThanOrEqual(5);
    }
    const exit = await cli.exited;
    const out = cli.output();
    expect(exit.exitCode, out).toBe(0);
    // Step 2 is the first step that changes something; 3 (reboot) and 4 (reattach) follow, in order.
    expect(asked).toEqual([2, 3, 4]);
    expect(out).toMatch(/== COMPLETED: completed:/);
    expect(out).toContain(`test mode: scoped to instance ${target.name} ${target.uuid}`);

    // Every data volume of the instance is in-use on it again, in Cinder and through the API.
    for (const volume of target.volumes) {
      const [v] = await lab.rootQuery<{ status: string; attach_status: string }[]>(`SELECT status, attach_status FROM ${cinder()}.volumes WHERE id = ?`, [volume]);
      expect(v, volume).toEqual({ status: 'in-use', attach_status: 'attached' });
      const att = await lab.rootQuery<{ instance_uuid: string }[]>(
        `SELECT instance_uuid FROM ${cinder()}.volume_attachment WHERE volume_id = ? AND deleted = 0 AND attach_status = 'attached'`,
        [volume],
      );
      expect(att).toEqual([{ instance_uuid: target.uuid }]);
    }
    const stats = await lab.stats();
    expect(stats.rebootsByServer).toEqual({ [target.uuid]: 1 });
    expect(Object.keys(stats.attachesByVolume).sort()).toEqual([...target.volumes].sort());
  });

  test('no at the first confirmation stops the run: exit 4, nothing changed', async () => {
    const target = rehearsalInstance();
    const before = await checksums(lab);
    await lab.resetStats();
    cli = spawnCliInPty(['run', 'drp', '--plain', '--test-instance', target.uuid], lab.env);
    const first = await cli.expect(PROMPT, 60_000);
    expect(first[2]).toBe('2');
    cli.send('n');
    cli.send('\r');
    const exit = await cli.exited;
    const out = cli.output();
    expect(exit.exitCode, out).toBe(4);
    expect(out).toMatch(/confirm: Step 2: [^\n]*-> no \(operator\)/);
    expect(out).toMatch(/== ABORTED: stopped at step 2 .*the operator answered no/);
    expect(out).not.toMatch(/Step 3: [^\n]*Go ahead\?/);
    expect(await checksums(lab)).toEqual(before);
    const stats = await lab.stats();
    expect(stats.mutatingRequests, JSON.stringify(stats.requests)).toBe(0);
  });

  test('a dry-run marks every non-empty line with [DRY-RUN]', async () => {
    const before = await checksums(lab);
    await lab.resetStats();
    cli = spawnCliInPty(['run', 'drp', '--plain', '--dry-run'], lab.env);
    const exit = await cli.exited;
    const out = cli.output();
    expect(exit.exitCode, out).toBe(0);
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const unmarked = lines.filter((l) => !l.startsWith('[DRY-RUN] '));
    expect(unmarked, 'lines without the dry-run marker').toEqual([]);
    // It really planned the recovery (concrete operations), and executed none of it.
    expect(out).toMatch(/\[DRY-RUN\] {3}plan: SQL \[cinder\] UPDATE volume_attachment/);
    expect(out).toMatch(/\[DRY-RUN\] == PLANNED: dry-run/);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });
});
