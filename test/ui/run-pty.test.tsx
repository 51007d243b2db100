// `novaops run` on a real pseudo-terminal (80x24, read through a headless xterm): the run screen
// instead of plain lines. A dry-run carries its banner on every screen and changes nothing; a
// rehearsal answered by typing each step's word completes with exit 0 and the final frame left
// on screen; Ctrl-C asks, stops, exits 4 and names the resume; the terminal is handed back sane.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { checksums } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { KEY, spawnScreen, type ScreenCli } from '../support/pty-screen.js';
import { rehearsalInstance as pickRehearsal } from '../support/rehearsal.js';

let lab: TestLab;
let scenario: ScenarioSummary;
let cli: ScreenCli | undefined;

beforeEach(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 8, volumes: 12, seed: 3 });
});
afterEach(async () => {
  cli?.kill();
  cli = undefined;
  await lab?.destroy();
});

const rehearsalInstance = () => pickRehearsal(scenario).uuid;

const TYPE_WORD = /Type (\S+) \(the number of items it changes\)/;

describe('novaops run on a terminal: the run screen', () => {
  test('a dry-run shows DRY-RUN on every screen, ends PLANNED (exit 0) and changes nothing', async () => {
    const before = await checksums(lab);
    await lab.resetStats();
    cli = spawnScreen(['run', 'drp', '--dry-run'], lab.env, { cols: 80, rows: 24 });
    const exit = await cli.exited;
    const screens = cli.frames().filter((f) => f.trim() !== '');
    expect(exit.exitCode, cli.screen()).toBe(0);
    expect(screens.length).toBeGreaterThan(0);
    // The live area is redrawn at the bottom, banner first; a screen caught mid-redraw (xterm
    // applies output as it comes) is complete from the header down, so every screen showing the
    // header shows the banner above it.
    const drawn = screens.filter((f) => /novaops drp \S+ · cloud/.test(f));
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.filter((f) => !f.includes('DRY-RUN — nothing will be changed'))).toEqual([]);
    expect(screens.filter((f) => f.includes('· LIVE'))).toEqual([]);
    expect(cli.screen()).toMatch(/PLANNED \(exit 0\): dry-run/);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });

  test('a rehearsal confirmed by typing each word completes (exit 0), the final frame stays', async () => {
    const target = rehearsalInstance();
    cli = spawnScreen(['run', 'drp', '--test-instance', target], lab.env, { cols: 80, rows: 24 });
    const words: string[] = [];
    const asked: number[] = [];
    // The question box begins with the engine's "Step N: ..."; each step asks once.
    const QUESTION = new RegExp(`│ Step (\\d+): [\\s\\S]*${TYPE_WORD.source}`);
    for (;;) {
      const seen = asked.length ? asked[asked.length - 1] : -1;
      const next = await Promise.race([
        cli.waitFor(new RegExp(`│ Step (?!${seen}:)\\d+: [\\s\\S]*${TYPE_WORD.source}`), 60_000).then((s) => QUESTION.exec(s)!),
        cli.exited.then(() => null),
      ]);
      if (next === null) break;
      // ink attaches a new prompt's key handler just after drawing it; a key in between is lost.
      await new Promise((resolve) => setTimeout(resolve, 150));
      asked.push(Number(next[1]));
      words.push(next[2]);
      cli.send(next[2]);
      cli.send(KEY.enter);
      expect(asked.length).toBeLessThanOrEqual(3);
    }
    const exit = await cli.exited;
    expect(exit.exitCode, cli.screen()).toBe(0);
    expect(asked).toEqual([2, 3, 4]);
    // One clean transaction, one instance to reboot, one reattachment per data volume.
    const volumes = scenario.attached.filter((p) => p.instance === target).length;
    expect(words).toEqual(['1', '1', String(volumes)]);
    const screen = cli.screen();
    expect(screen).toMatch(/COMPLETED \(exit 0\)/);
    expect((await lab.stats()).rebootsByServer).toEqual({ [target]: 1 });
  });

  test('Ctrl-C asks, y stops: exit 4, the screen names the resume', async () => {
    const target = rehearsalInstance();
    await lab.setSettings({ latencyMs: 200 });
    cli = spawnScreen(['run', 'drp', '--test-instance', target], lab.env, { cols: 80, rows: 24 });
    await cli.waitFor(/Preflight/, 30_000);
    cli.send(KEY.ctrlC);
    await cli.waitFor(/Stop after the operations in flight\? The run can be resumed/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    cli.send('y');
    const exit = await cli.exited;
    expect(exit.exitCode, cli.screen()).toBe(4);
    expect(cli.screen()).toMatch(/ABORTED \(exit 4\)/);
    expect(cli.screen()).toMatch(/next: novaops resume \d{8}-\d{6}-drp-/);
  });
});
