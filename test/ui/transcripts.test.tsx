// Transcripts on real run directories: the list and its filters, one opened, replayed into the
// run screen, exported as the same Markdown `novaops transcripts show --markdown` prints.
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { SessionApp } from '../../src/ui/session/session-app.js';
import type { SessionServices } from '../../src/ui/session/services.js';
import { replayTranscript, showTranscript } from '../../src/cli/commands/transcripts.js';
import { fixtureServices, makeFixture, waitForFrame, type Fixture } from './session-fixtures.js';

let fixture: Fixture;
let services: SessionServices;
beforeEach(async () => {
  fixture = await makeFixture();
  services = { ...(await fixtureServices(fixture)), health: () => new Promise(() => undefined) };
});
afterEach(async () => fixture.cleanup());

async function openList() {
  const ui = render(<SessionApp services={services} />);
  await waitForFrame(ui.lastFrame, (f) => f.includes('Last runs'));
  ui.stdin.write('t');
  await waitForFrame(ui.lastFrame, (f) => f.includes('3 of 3 runs'));
  return ui;
}

/** What a transcripts command writes on stdout. */
async function stdoutOf(go: () => Promise<void>): Promise<string> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await go();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const cliMarkdown = (runId: string) => stdoutOf(() => showTranscript(runId, { markdown: true }, fixture.configFile));

describe('transcripts', () => {
  test('lists every run newest first, filtered by runbook (b) and outcome (o)', async () => {
    const ui = await openList();
    const all = ui.lastFrame() ?? '';
    expect(all.indexOf(fixture.runs.completed)).toBeLessThan(all.indexOf(fixture.runs.interrupted));
    expect(all.indexOf(fixture.runs.interrupted)).toBeLessThan(all.indexOf(fixture.runs.dryRun));
    ui.stdin.write('b'); // drp
    const drp = await waitForFrame(ui.lastFrame, (f) => f.includes('runbook: drp'));
    expect(drp).toContain('2 of 3 runs');
    expect(drp).not.toContain(fixture.runs.interrupted);
    ui.stdin.write('o'); // completed
    const completed = await waitForFrame(ui.lastFrame, (f) => f.includes('outcome: completed'));
    expect(completed).toContain('1 of 3 runs');
    expect(completed).toContain(fixture.runs.completed);
    expect(completed).not.toContain(fixture.runs.dryRun);
    ui.stdin.write('o'); // planned
    const planned = await waitForFrame(ui.lastFrame, (f) => f.includes('outcome: planned'));
    expect(planned).toContain(fixture.runs.dryRun);
    expect(planned).not.toContain(fixture.runs.completed);
    ui.unmount();
  });

  test('opens one as the plain presenter renders it, replays it instantly to its end, and back', async () => {
    const ui = await openList();
    ui.stdin.write('\r'); // the newest: the completed drp run
    const opened = await waitForFrame(ui.lastFrame, (f) => f.includes(`Transcript ${fixture.runs.completed}`) && f.includes('== Step 1'));
    expect(opened).toContain('== Step 1: Hard reboot the instances');
    expect(opened).toContain('guard "nova-up": ok');
    ui.stdin.write('i');
    const end = await waitForFrame(ui.lastFrame, (f) => f.includes('REPLAY') && f.includes('COMPLETED'));
    expect(end).toContain('REPLAY');
    expect(end).toContain('all instances rebooted');
    expect(end).toMatch(/8\/8 events/);
    ui.stdin.write('q');
    await waitForFrame(ui.lastFrame, (f) => f.includes(`Transcript ${fixture.runs.completed}`));
    ui.unmount();
  });

  test('replays at 10x with the recorded spacing, then shows the end', async () => {
    const ui = render(<SessionApp services={services} initial={[{ name: 'replay', runId: fixture.runs.interrupted, speed: 10 }]} />);
    await waitForFrame(ui.lastFrame, (f) => f.includes('REPLAY') && f.includes('10x'));
    await waitForFrame(ui.lastFrame, (f) => f.includes('ABORTED'));
    ui.unmount();
  });

  test('exports Markdown equal to `novaops transcripts show --markdown`, and shows the path', async () => {
    const cwd = process.cwd();
    process.chdir(fixture.dir);
    try {
      const ui = await openList();
      ui.stdin.write('\r');
      await waitForFrame(ui.lastFrame, (f) => f.includes('== Step 1'));
      ui.stdin.write('e');
      const frame = await waitForFrame(ui.lastFrame, (f) => f.includes('exported to'));
      const path = `${fixture.dir}/novaops-${fixture.runs.completed}.md`;
      expect(frame.replace(/\s+/g, '')).toContain(path.replace(/\s+/g, ''));
      expect(await readFile(path, 'utf8')).toBe(await cliMarkdown(fixture.runs.completed));
      ui.unmount();
    } finally {
      process.chdir(cwd);
    }
  });

  test('`transcripts replay` without a terminal prints the transcript as `show` does; a bad speed is refused', async () => {
    const id = fixture.runs.interrupted;
    const replayed = await stdoutOf(() => replayTranscript(id, { speed: '10' }, fixture.configFile));
    expect(replayed).toBe(await stdoutOf(() => showTranscript(id, {}, fixture.configFile)));
    expect(replayed).toContain('== ABORTED');
    await expect(replayTranscript(id, { speed: '3' }, fixture.configFile)).rejects.toThrow(/give 1, 10 or instant/);
  });
});
