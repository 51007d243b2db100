// The runbook page on real runbooks: their steps as `novaops show` lists them, a form checked by
// their own zod schema as you type, the run choice, and the instance picker's filter.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { SessionApp } from '../../src/ui/session/session-app.js';
import type { RunRequestInput, ServerChoice, SessionServices } from '../../src/ui/session/services.js';
import { fixtureServices, makeFixture, press, waitForFrame, waitUntil, type Fixture } from './session-fixtures.js';

const TAB = '\t';
const DOWN = '\u001b[B';
const BACKSPACE = '\u007f';

// What the Compute API lists on the lab's power-loss scenario, in the shape the picker reads.
const SERVERS: ServerChoice[] = [
  { id: '0b7c1a52-1f43-4f0e-9a55-0d6f2f0a0001', name: 'web-1', status: 'SHUTOFF', host: 'compute1' },
  { id: '0b7c1a52-1f43-4f0e-9a55-0d6f2f0a0002', name: 'web-2', status: 'SHUTOFF', host: 'compute2' },
  { id: '0b7c1a52-1f43-4f0e-9a55-0d6f2f0a0003', name: 'db-1', status: 'ERROR', host: 'compute1' },
  { id: '0b7c1a52-1f43-4f0e-9a55-0d6f2f0a0004', name: 'cache-1', status: 'ACTIVE', host: 'compute2' },
];

let fixture: Fixture;
afterEach(async () => fixture.cleanup());

async function openRunbook(services: SessionServices, downs: number) {
  const ui = render(<SessionApp services={services} />);
  await waitForFrame(ui.lastFrame, (f) => f.includes('Last runs'));
  await press(ui.stdin, ...Array<string>(downs).fill(DOWN));
  await waitForFrame(ui.lastFrame, (f) => /› \S+/.test(f));
  ui.stdin.write('\r');
  await waitForFrame(ui.lastFrame, (f) => f.includes('Steps ('));
  return ui;
}

describe('runbook page', () => {
  beforeEach(async () => {
    fixture = await makeFixture();
  });

  test('lists the steps in order with what each changes, its guards and whether it is read-only; doc reference on top', async () => {
    const services = await fixtureServices(fixture);
    const drp = await services.loadRunbook('drp');
    const { lastFrame, unmount } = await openRunbook({ ...services, health: () => new Promise(() => undefined) }, 0);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('doc: Compute admin guide §5.4.14.4');
    expect(frame).toContain(`1. ${drp.steps[0].title}`);
    expect(frame).toContain(drp.steps[0].readOnly ? '[read-only' : '[changes things');
    expect(frame).toMatch(/changes: /);
    expect(frame.indexOf('1. ')).toBeLessThan(frame.indexOf('2. '));
    unmount();
  });

  test('checks the form with the runbook schema as you type, errors under the field', async () => {
    const services = await fixtureServices(fixture);
    const ui = await openRunbook({ ...services, health: () => new Promise(() => undefined) }, 1);
    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Parameters and run') && f.includes('[instance...]'));
    ui.stdin.write(TAB);
    await waitForFrame(ui.lastFrame, (f) => f.includes('every instance whose task has not moved'));
    ui.stdin.write('abc');
    const bad = await waitForFrame(ui.lastFrame, (f) => f.includes('✗'));
    // reset-state's own message for --stuck-for, under that field
    const lines = bad.split('\n');
    const field = lines.findIndex((l) => l.includes('--stuck-for <duration>'));
    const error = lines.findIndex((l) => l.includes('✗'));
    expect(error).toBeGreaterThan(field);
    expect(lines.slice(error).join(' ')).toMatch(/"?abc"?.*30m/);
    await press(ui.stdin, BACKSPACE, BACKSPACE, BACKSPACE);
    await waitForFrame(ui.lastFrame, (f) => !f.includes('abc'));
    ui.stdin.write('30m');
    await waitForFrame(ui.lastFrame, (f) => f.includes('30m') && !f.includes('✗'));
    // Both instances and --stuck-for: the schema's cross-field rule, shown under the instances.
    ui.stdin.write('\u001b[Z'); // shift-tab
    await waitForFrame(ui.lastFrame, (f) => f.includes('the instances to reset'));
    ui.stdin.write('web-1');
    await waitForFrame(ui.lastFrame, (f) => f.includes('both instances and --stuck-for were given'));
    ui.unmount();
  });

  test('offers dry-run, test and full; test scope picks an instance from the live list, filtered as you type', async () => {
    const services = await fixtureServices(fixture);
    const started: RunRequestInput[] = [];
    const ui = await openRunbook(
      {
        ...services,
        health: () => new Promise(() => undefined),
        servers: async () => SERVERS,
        startRun: (request, deps) => {
          started.push(request);
          return services.startRun(request, deps);
        },
      },
      0,
    );
    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes('[ ] --ssh-reboot'));
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('[x] --ssh-reboot'));
    ui.stdin.write(TAB);
    const modes = await waitForFrame(ui.lastFrame, (f) => f.includes('› mode:'));
    expect(modes).toMatch(/\(•\) dry-run\s+\( \) test on one instance\s+\( \) FULL run/);
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('(•) test on one instance'));
    ui.stdin.write(TAB);
    const picker = await waitForFrame(ui.lastFrame, (f) => f.includes('4 of 4 servers'));
    for (const s of SERVERS) expect(picker).toContain(s.name);
    ui.stdin.write('web');
    const filtered = await waitForFrame(ui.lastFrame, (f) => f.includes('2 of 4 servers'));
    expect(filtered).toContain('web-1');
    expect(filtered).toContain('web-2');
    expect(filtered).not.toContain('db-1');
    ui.stdin.write('-2');
    await waitForFrame(ui.lastFrame, (f) => f.includes('1 of 4 servers'));
    ui.stdin.write('\r');
    const chosen = await waitForFrame(ui.lastFrame, (f) => f.includes(`instance: web-2 (${SERVERS[1].id})`));
    expect(chosen).toContain(`[ start test on one instance on web-2`);
    ui.stdin.write('\r');
    await waitUntil(() => started.length > 0);
    expect(started).toEqual([{ runbook: 'drp', values: { sshReboot: true }, mode: 'live', testScope: SERVERS[1].id }]);
    // The loopback cloud does not answer: refused before anything starts.
    await waitForFrame(ui.lastFrame, (f) => f.includes('nothing was started'), 20_000);
    ui.unmount();
  });
});

describe('read-only session', () => {
  beforeEach(async () => {
    fixture = await makeFixture({ readOnly: true });
  });

  test('says READ-ONLY on the home and the runbook page, and offers only a dry-run', async () => {
    const services = await fixtureServices(fixture);
    expect(services.readOnly).toBe(true);
    const ui = await openRunbook({ ...services, health: () => new Promise(() => undefined) }, 0);
    expect(ui.lastFrame()).toContain('READ-ONLY');
    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Parameters and run'));
    ui.stdin.write(TAB);
    const form = await waitForFrame(ui.lastFrame, (f) => f.includes('› mode:'));
    expect(form).toContain('READ-ONLY');
    expect(form).toContain('(•) dry-run');
    expect(form).not.toContain('test on one instance');
    expect(form).not.toContain('FULL run');
    ui.stdin.write(' ');
    await new Promise((r) => setTimeout(r, 100));
    expect(ui.lastFrame()).not.toContain('FULL run');
    ui.stdin.write('\u001b');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Steps ('));
    ui.stdin.write('\u001b');
    const home = await waitForFrame(ui.lastFrame, (f) => f.includes('reset-state-bbbb'));
    expect(home).toContain('READ-ONLY');
    // The interrupted run is listed, but not offered for resuming.
    expect(home).toMatch(/20260101-020000-reset-state-bbbb .*aborted.*\(resumable\)/);
    expect(home).not.toContain('r resume');
    ui.unmount();
  });
});
