// The session on a real lab (MariaDB, the Compute API simulator, simulated hosts), by keys:
// doctor's health line, drp, test mode, an instance picked from the live server list, the run
// screen's confirmations, the end; then the run first on the home, its transcript, its replay.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { SessionApp } from '../../src/ui/session/session-app.js';
import { createSessionServices } from '../../src/cli/session-services.js';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { press, waitForFrame } from './session-fixtures.js';

let lab: TestLab;
let scenario: ScenarioSummary;
beforeAll(async () => {
  lab = await createTestLab();
  scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 3 });
});
afterAll(async () => lab?.destroy());

const TAB = '\t';

describe('session on the lab', () => {
  test('drp in test mode on an instance picked from the live list, confirmed on the run screen, then its transcript replayed', async () => {
    const services = await createSessionServices(lab.info.configFile, { ...process.env, ...lab.env });
    const x = scenario.instances.find((i) => scenario.affectedInstances.includes(i.uuid))!;
    const ui = render(<SessionApp services={services} />);
    await waitForFrame(ui.lastFrame, (f) => /health: ok (\d+)\/\1/.test(f), 60_000);

    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes('Steps ('));
    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes('[ ] --ssh-reboot'));
    await press(ui.stdin, TAB, ' ', TAB);
    const picker = await waitForFrame(ui.lastFrame, (f) => / of \d+ servers/.test(f), 30_000);
    expect(picker).toMatch(new RegExp(`of ${scenario.counts.instances} servers`));
    ui.stdin.write(x.name);
    await waitForFrame(ui.lastFrame, (f) => f.includes(`1 of ${scenario.counts.instances} servers`));
    ui.stdin.write('\r');
    await waitForFrame(ui.lastFrame, (f) => f.includes(`instance: ${x.name} (${x.uuid})`));
    ui.stdin.write('\r');

    // The run screen asks before each step that changes the cloud; the typed word where it wants one.
    const flat = () => (ui.lastFrame() ?? '').replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    const over = /COMPLETED|FAILED \(exit|BLOCKED \(exit|REFUSED \(exit|ABORTED \(exit/;
    let answered = 0;
    for (;;) {
      await waitForFrame(ui.lastFrame, () => over.test(flat()) || flat().includes('Go ahead?') || /Type \S+ \(/.test(flat()), 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const now = flat();
      if (over.test(now)) break;
      // The box is below the log, whose confirm lines quote earlier questions.
      const asked = (text: string) => [...text.matchAll(/(Step \d+): [^—]*— \d+ item/g)].map((m) => m[1]).pop() ?? '';
      const question = asked(now);
      const word = /Type (\S+) \(/.exec(now)?.[1];
      await press(ui.stdin, ...(word ? [...word.split(''), '\r'] : ['y']));
      answered += 1;
      await waitForFrame(ui.lastFrame, () => over.test(flat()) || asked(flat()) !== question || !/Go ahead\?/.test(flat().slice(flat().lastIndexOf(question))), 60_000);
    }
    // run.end is drawn at once; the exit code follows when the engine's promise settles.
    await waitForFrame(ui.lastFrame, (f) => / \(exit \d\)/.test(f), 30_000);
    expect(ui.lastFrame()).toContain('COMPLETED (exit 0)');
    expect(answered).toBeGreaterThan(0);
    // The instance picked in the form is the run's scope: it alone was rebooted.
    expect((await lab.stats()).rebootsByServer).toEqual({ [x.uuid]: 1 });

    ui.stdin.write('q');
    const listed = /(\d{8}-\d{6}-drp-[0-9a-f]{4})\s+live\s+completed\s+test /;
    const home = await waitForFrame(ui.lastFrame, (f) => f.includes('Last runs') && listed.test(f));
    const runId = listed.exec(home)?.[1];
    expect(runId, home).toBeDefined();

    ui.stdin.write('t');
    await waitForFrame(ui.lastFrame, (f) => f.includes('1 of 1 runs'));
    ui.stdin.write('\r');
    const transcript = await waitForFrame(ui.lastFrame, (f) => f.includes(`Transcript ${runId}`) && f.includes('novaops drp'));
    expect(transcript).toContain(`test mode: instance`);
    ui.stdin.write('i');
    await waitForFrame(ui.lastFrame, (f) => f.includes('REPLAY') && f.includes('COMPLETED'));
    ui.unmount();
  });
});
