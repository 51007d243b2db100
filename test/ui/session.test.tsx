// The session as a whole: every screen within 80x24 and following a resize, the replay's
// timing, colours off under NO_COLOR / TERM=dumb, and when the TUI may draw at all.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { SessionApp } from '../../src/ui/session/session-app.js';
import type { ServerChoice, SessionServices } from '../../src/ui/session/services.js';
import { LONGEST_PAUSE_MS, parseReplaySpeed, replayDelays } from '../../src/ui/session/replay-speed.js';
import { colorsEnabled } from '../../src/ui/common/theme.js';
import { isInteractiveTerminal } from '../../src/cli/terminal.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { fixtureServices, makeFixture, press, waitForFrame, type Fixture } from './session-fixtures.js';

const TAB = '\t';
const DOWN = '\u001b[B';
const SERVERS: ServerChoice[] = Array.from({ length: 30 }, (_, i) => ({
  id: `0b7c1a52-1f43-4f0e-9a55-0d6f2f0a${String(i).padStart(4, '0')}`,
  name: `a-rather-long-instance-name-${i}`,
  status: 'SHUTOFF',
  host: `compute${i % 3}`,
}));

let fixture: Fixture;
let services: SessionServices;
beforeEach(async () => {
  fixture = await makeFixture();
  const real = await fixtureServices(fixture);
  services = {
    ...real,
    health: async () => ({ ok: false, passed: 1, total: 5, failed: ['nova database', 'cinder database', 'OpenStack API', 'host compute1'] }),
    servers: async () => SERVERS,
  };
});
afterEach(async () => fixture.cleanup());

type Ui = ReturnType<typeof render>;

function resize(ui: Ui, columns: number, rows: number): void {
  Object.defineProperty(ui.stdout, 'columns', { configurable: true, get: () => columns });
  Object.defineProperty(ui.stdout, 'rows', { configurable: true, get: () => rows });
  ui.stdout.emit('resize');
}

function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  const wide = lines.filter((l) => [...l].length > columns);
  expect(wide, `lines wider than ${columns}:\n${wide.join('\n')}`).toEqual([]);
  expect(lines.length, frame).toBeLessThanOrEqual(rows);
}

describe('80x24', () => {
  test('every screen fits: home, help, runbook steps and form with picker, transcripts, a transcript, a replay', async () => {
    const ui = render(<SessionApp services={services} />);
    resize(ui, 80, 24);
    const home = await waitForFrame(ui.lastFrame, (f) => f.includes('4 checks failed') && f.includes('r resume'));
    expectFits(home, 80, 24);
    ui.stdin.write('?');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('Help — home')), 80, 24);
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Last runs'));
    // failed-node: nine options, the longest form
    ui.stdin.write(DOWN);
    await waitForFrame(ui.lastFrame, (f) => f.includes('› reset-state'));
    ui.stdin.write(DOWN);
    await waitForFrame(ui.lastFrame, (f) => f.includes('› failed-node'));
    ui.stdin.write('\r');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('Steps (')), 80, 24);
    ui.stdin.write('\r');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('Parameters and run')), 80, 24);
    await press(ui.stdin, ...Array<string>(9).fill(TAB));
    await waitForFrame(ui.lastFrame, (f) => f.includes('› mode:'));
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('(•) test on one instance'));
    ui.stdin.write(TAB);
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('30 of 30 servers')), 80, 24);
    ui.stdin.write('\u001b');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Steps ('));
    ui.stdin.write('\u001b');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Last runs'));
    ui.stdin.write('t');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('3 of 3 runs')), 80, 24);
    ui.stdin.write('\r');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('== Step 1')), 80, 24);
    ui.stdin.write('i');
    expectFits(await waitForFrame(ui.lastFrame, (f) => f.includes('REPLAY') && f.includes('COMPLETED')), 80, 24);
    ui.unmount();
  });

  test('follows a resize: wider shows more, narrower truncates', async () => {
    const ui = render(<SessionApp services={services} />);
    resize(ui, 200, 50);
    const wide = await waitForFrame(ui.lastFrame, (f) => f.includes('host compute1') && f.includes('r resume'));
    expect(wide).toContain('health: 4 checks failed: nova database, cinder database, OpenStack API, host compute1');
    resize(ui, 60, 20);
    const narrow = await waitForFrame(ui.lastFrame, (f) => !f.includes('host compute1'));
    expectFits(narrow, 60, 20);
    ui.unmount();
  });
});

describe('replay timing', () => {
  const at = (ms: number) => ({ ts: new Date(Date.UTC(2026, 0, 1) + ms).toISOString() }) as EngineEvent;
  test('waits the recorded spacing divided by the speed; a long pause is shortened; instant does not wait', () => {
    const events = [at(0), at(1000), at(1500), at(1500 + 3_600_000)];
    expect(replayDelays(events, 1)).toEqual([0, 1000, 500, LONGEST_PAUSE_MS]);
    expect(replayDelays(events, 10)).toEqual([0, 100, 50, LONGEST_PAUSE_MS / 10]);
    expect(replayDelays(events, 'instant')).toEqual([0, 0, 0, 0]);
    expect([parseReplaySpeed('1'), parseReplaySpeed('10'), parseReplaySpeed('instant'), parseReplaySpeed('2')]).toEqual([1, 10, 'instant', undefined]);
  });
});

describe('terminal', () => {
  test('NO_COLOR and TERM=dumb turn colours off', () => {
    expect(colorsEnabled({ TERM: 'xterm-256color' })).toBe(true);
    expect(colorsEnabled({ TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled({ TERM: 'dumb' })).toBe(false);
  });

  test('the TUI draws only for a terminal on both ends, not TERM=dumb, not CI', () => {
    const tty = { isTTY: true };
    expect(isInteractiveTerminal({ TERM: 'xterm' }, tty, tty)).toBe(true);
    expect(isInteractiveTerminal({ TERM: 'xterm' }, tty, {})).toBe(false);
    expect(isInteractiveTerminal({ TERM: 'xterm' }, {}, tty)).toBe(false);
    expect(isInteractiveTerminal({ TERM: 'dumb' }, tty, tty)).toBe(false);
    expect(isInteractiveTerminal({ TERM: 'xterm', CI: 'true' }, tty, tty)).toBe(false);
  });
});
