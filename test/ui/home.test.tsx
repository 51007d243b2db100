// The home screen on real data: the catalogue, a real config, real run directories; doctor's
// checks run against an unreachable loopback cloud, so they really fail, later.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { SessionApp } from '../../src/ui/session/session-app.js';
import type { HealthLine, SessionServices } from '../../src/ui/session/services.js';
import { catalogue } from '../../runbooks/index.js';
import { fixtureServices, makeFixture, waitForFrame, waitUntil, type Fixture } from './session-fixtures.js';

let fixture: Fixture;
beforeEach(async () => {
  fixture = await makeFixture();
});
afterEach(async () => fixture.cleanup());

describe('home', () => {
  test('lists every runbook and the cloud at once; the health line arrives later', async () => {
    const services = await fixtureServices(fixture);
    let releaseHealth!: () => void;
    const gate = new Promise<void>((resolve) => (releaseHealth = resolve));
    // doctor's real checks, held back until the test has seen the first frame.
    const delayed: SessionServices = { ...services, health: async () => gate.then(() => services.health()) };
    const { lastFrame, unmount } = render(<SessionApp services={delayed} />);
    const first = lastFrame() ?? '';
    for (const entry of catalogue) expect(first).toContain(entry.id);
    expect(first).toContain('cloud practice');
    expect(first).toContain('health: checking');
    expect(first).toMatch(/\? help/);
    releaseHealth();
    const later = await waitForFrame(lastFrame, (f) => /health: \d+ checks? failed/.test(f), 20_000);
    expect(later).toMatch(/health: 5 checks failed: nova database, cinder database, OpenStack API, host compute1, host compute2/);
    unmount();
  });

  test('describes a passing health line as ok n/n', async () => {
    const services = await fixtureServices(fixture);
    const healthy: HealthLine = { ok: true, passed: 5, total: 5, failed: [] };
    const { lastFrame, unmount } = render(<SessionApp services={{ ...services, health: async () => healthy }} />);
    await waitForFrame(lastFrame, (f) => f.includes('health: ok 5/5'));
    unmount();
  });

  test('shows the interrupted run first and resumes it with r', async () => {
    const services = await fixtureServices(fixture);
    const resumed: string[] = [];
    const recording: SessionServices = {
      ...services,
      health: () => new Promise(() => undefined),
      resumeRun: (runId, ui) => {
        resumed.push(runId);
        return services.resumeRun(runId, ui);
      },
    };
    const { lastFrame, stdin, unmount } = render(<SessionApp services={recording} />);
    const frame = await waitForFrame(lastFrame, (f) => f.includes(fixture.runs.completed));
    const lines = frame.split('\n');
    const at = (id: string) => lines.findIndex((l) => l.includes(id));
    expect(at(fixture.runs.interrupted)).toBeLessThan(at(fixture.runs.completed));
    expect(at(fixture.runs.completed)).toBeLessThan(at(fixture.runs.dryRun));
    expect(lines[at(fixture.runs.interrupted)]).toMatch(/▶ .*aborted.*r resume/);
    stdin.write('r');
    await waitUntil(() => resumed.length > 0);
    expect(resumed).toEqual([fixture.runs.interrupted]);
    // The cloud is unreachable: the resume is refused before anything starts, and says why.
    await waitForFrame(lastFrame, (f) => f.includes('nothing was started'), 20_000);
    unmount();
  });

  test('opens a runbook with enter, and the help overlay with ?', async () => {
    const services = await fixtureServices(fixture);
    const { lastFrame, stdin, unmount } = render(<SessionApp services={{ ...services, health: () => new Promise(() => undefined) }} />);
    await waitForFrame(lastFrame, (f) => f.includes('Last runs'));
    stdin.write('?');
    const help = await waitForFrame(lastFrame, (f) => f.includes('Help — home'));
    expect(help).toContain('resume the interrupted run');
    expect(help).not.toContain('Last runs');
    stdin.write('x');
    await waitForFrame(lastFrame, (f) => f.includes('Last runs') && !f.includes('Help — home'));
    stdin.write('\r');
    await waitForFrame(lastFrame, (f) => f.includes(`${catalogue[0].id} — ${catalogue[0].title}`));
    unmount();
  });
});

describe('home: the command line and the filter', () => {
  test(': runs a command, says what is accepted after a typo; / narrows the lists', async () => {
    const services = await fixtureServices(fixture);
    const { lastFrame, stdin, unmount } = render(<SessionApp services={{ ...services, health: () => new Promise(() => undefined) }} />);
    await waitForFrame(lastFrame, (f) => f.includes(fixture.runs.completed));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
    stdin.write(':');
    await waitForFrame(lastFrame, (f) => /^:/m.test(f));
    await settle();
    stdin.write('dpr');
    await waitForFrame(lastFrame, (f) => /^:dpr/m.test(f));
    await settle();
    stdin.write('\r');
    await waitForFrame(lastFrame, (f) => f.includes('unknown command ":dpr"; accepted: :drp'));
    stdin.write('/');
    await waitForFrame(lastFrame, (f) => /^\//m.test(f));
    await settle();
    stdin.write('iscsi');
    const filtered = await waitForFrame(lastFrame, (f) => /^\/iscsi/m.test(f) && !f.includes('failed-node'));
    expect(filtered).toContain('iscsi-cleanup');
    expect(filtered).not.toContain(fixture.runs.completed);
    await settle();
    stdin.write('\r');
    await waitForFrame(lastFrame, (f) => f.includes('/iscsi (esc clears'));
    await settle();
    stdin.write('\x1b');
    await waitForFrame(lastFrame, (f) => f.includes('failed-node') && f.includes(fixture.runs.completed));
    await settle();
    stdin.write(':');
    await settle();
    stdin.write('fail');
    await waitForFrame(lastFrame, (f) => /^:fail/m.test(f));
    await settle();
    stdin.write('\t');
    await waitForFrame(lastFrame, (f) => /^:failed-node/m.test(f));
    await settle();
    stdin.write('\r');
    await waitForFrame(lastFrame, (f) => f.includes('failed-node — '));
    unmount();
  });
});
