// The interactive session end to end: `novaops` in a real pseudo-terminal (read through a headless
// xterm, at 80x24 and at 200x50), driven by keys only, as an operator at 3 a.m. would:
// - pick drp, choose test mode, pick a lab instance from the live list, confirm, watch it finish,
//   open its transcript, replay it; the database ends exactly as the plain CLI leaves it;
// - a full run stopped with Ctrl-C in the reboot step, then resumed from the home screen: it
//   completes and nothing is done twice;
// - a read-only session offers no live run, and `--read-only run` is refused with exit 3.
import { afterEach, describe, expect, test } from 'vitest';
import type { ScenarioSummary } from '../../src/lab/index.js';
import { runCli } from '../support/cli.js';
import { allRows, checksums, withoutHeartbeat, type Rows } from '../support/db-snapshot.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { KEY, spawnScreen, type ScreenCli } from '../support/pty-screen.js';
import { rehearsalInstance } from '../support/rehearsal.js';

const labs: TestLab[] = [];
let cli: ScreenCli | undefined;

afterEach(async () => {
  cli?.kill();
  cli = undefined;
  await Promise.all(labs.splice(0).map((lab) => lab.destroy()));
});

async function newLab(settings: Parameters<typeof createTestLab>[0] = {}): Promise<{ lab: TestLab; scenario: ScenarioSummary }> {
  const lab = await createTestLab(settings);
  labs.push(lab);
  const scenario = await lab.scenario('power-loss', { instances: 6, volumes: 8, seed: 3 });
  return { lab, scenario };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** From the home screen to drp's parameter form (drp is the first runbook listed). */
async function openDrpForm(c: ScreenCli): Promise<void> {
  await c.press(KEY.enter);
  await c.waitFor(/Steps \(\d+, in order\)/);
  await c.press(KEY.enter);
  await c.waitFor(/\[ \] --ssh-reboot/);
  await c.press(KEY.tab); // to the mode
  await pause(100);
}
const END = /(COMPLETED|PLANNED|FAILED|BLOCKED|REFUSED|ABORTED) \(exit (\d)\)/;
/**
 * Answers each step's confirmation (the typed word where one is asked for, else y) until the run
 * screen shows how the run ended; `afterAnswer` may act once a given step was confirmed. The
 * question is the bordered box (the log above it quotes earlier questions without a border), read
 * once its bottom border is drawn.
 */
async function confirmUntilEnd(c: ScreenCli, afterAnswer?: (step: number) => Promise<void>): Promise<{ outcome: string; exit: number; asked: number[] }> {
  const asked: number[] = [];
  for (;;) {
    const fresh = `│ Step (?!(?:${asked.join('|') || 'x'}):)\\d+: [\\s\\S]*?╰`;
    const screen = await c.waitFor(new RegExp(`${END.source}|${fresh}`), 45_000);
    const end = END.exec(screen);
    if (end) return { outcome: end[1], exit: Number(end[2]), asked };
    const from = screen.lastIndexOf('│ Step');
    const box = screen.slice(from, screen.indexOf('╰', from)).replace(/│/g, ' ').replace(/\s+/g, ' ');
    const step = Number(/Step (\d+):/.exec(box)![1]);
    const word = /Type (\S+) \(/.exec(box)?.[1];
    // ink attaches the prompt's key handler just after drawing it; a key sent before is lost.
    await pause(250);
    asked.push(step);
    c.send(word ? `${word}${KEY.enter}` : 'y');
    await afterAnswer?.(step);
  }
}

/** Every row, with what differs between two labs of the same seed for reasons other than the run normalised away. */
function comparable(rows: Rows, known: Set<string>): Record<string, string[]> {
  const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
  const out: Record<string, string[]> = {};
  for (const [table, list] of Object.entries(rows)) {
    const name = table.replace(/nl_[0-9a-z]+_/g, '');
    out[name] = list
      .map((row) => {
        const r = withoutHeartbeat(table, row);
        const norm = Object.fromEntries(
          Object.entries(r)
            .filter(([k]) => k !== 'id')
            .map(([k, v]) => {
              if (k === 'deleted' && v !== 0 && v === r.id) return [k, '<own id>'];
              if (typeof v !== 'string') return [k, v];
              if (TIME.test(v)) return [k, '<time>'];
              return [k, v.replace(UUID_ANYWHERE, (u) => (known.has(u) ? u : '<uuid>'))];
            }),
        );
        return JSON.stringify(norm);
      })
      .sort();
  }
  return out;
}

describe.each([
  { cols: 80, rows: 24 },
  { cols: 200, rows: 50 },
])('novaops in a $cols x $rows terminal', (size) => {
  test('drp rehearsal by keys: pick, test mode, instance from the list, confirm, finish, transcript, replay; the DB ends as with the plain CLI', async () => {
    const { lab, scenario } = await newLab();
    const x = rehearsalInstance(scenario);
    // The scenario's own ids (instances, volumes, attachments) come from its seed, the same in both
    // labs; every other id (projects, providers, ids made during the run) is compared by its place.
    const known = new Set(JSON.stringify({ ...scenario, cells: [] }).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
    cli = spawnScreen([], lab.env, size);

    const home = await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    expect(home).toMatch(/novaops · cloud novaops-lab/);
    for (const id of ['drp', 'failed-node', 'reset-state', 'iscsi-cleanup', 'uid-gid']) expect(home).toContain(id);
    await cli.waitFor(/health: ok (\d+)\/\1/, 60_000);

    await openDrpForm(cli);
    expect(cli.screen()).toMatch(/drp — /);
    await cli.press(' '); // dry-run -> test on one instance
    await cli.waitFor(/mode: .*\(•\) test on one instance/);
    await cli.press(KEY.tab);
    await cli.waitFor(new RegExp(`of ${scenario.counts.instances} servers`), 30_000);
    await cli.press(x.name);
    await cli.waitFor(new RegExp(`1 of ${scenario.counts.instances} servers`));
    await cli.press(KEY.enter);
    await cli.waitFor(new RegExp(`instance: ${x.name}`));
    await cli.press(KEY.enter);

    const run = await confirmUntilEnd(cli);
    expect(run, cli.screen()).toMatchObject({ outcome: 'COMPLETED', exit: 0 });
    expect(run.asked).toEqual([2, 3, 4]);
    expect((await lab.stats()).rebootsByServer).toEqual({ [x.uuid]: 1 });
    for (const line of cli.lines()) expect(line.length).toBeLessThanOrEqual(size.cols);

    // Back home: the run is listed; its transcript opens and replays.
    await cli.press('q');
    const listed = await cli.waitFor(/(\d{8}-\d{6}-drp-[0-9a-f]{4})\s+live\s+completed\s+test/);
    const runId = /(\d{8}-\d{6}-drp-[0-9a-f]{4})\s+live\s+completed\s+test/.exec(listed)![1];
    await cli.press('t');
    await cli.waitFor(/\d+ of \d+ runs/);
    await cli.press(KEY.enter);
    await cli.waitFor(new RegExp(`Transcript ${runId}[\\s\\S]*novaops drp`));
    await cli.press('i'); // replay, instant
    await cli.waitFor(/REPLAY[\s\S]*COMPLETED/, 30_000);
    await cli.press(KEY.escape);
    await pause(200);
    await cli.press(KEY.escape);
    await pause(200);
    await cli.press(KEY.escape);
    await cli.waitFor(/Runbooks/);
    await cli.press('q');
    expect((await cli.exited).exitCode).toBe(0);

    // The same rehearsal through the plain CLI on a lab of the same seed ends in the same rows.
    const twin = await newLab();
    const plain = await runCli(['run', 'drp', '--test-instance', x.uuid, '--yes'], twin.lab.env);
    expect(plain.code, plain.stderr).toBe(0);
    // The same scenario but for what each lab names itself: a cell's schema and uuid.
    const sameSeed = (s: typeof scenario) => JSON.stringify({ ...s, cells: s.cells.map((c) => ({ name: c.name, hosts: c.hosts })) });
    expect(sameSeed(twin.scenario)).toEqual(sameSeed(scenario));
    expect(comparable(await allRows(lab), known)).toEqual(comparable(await allRows(twin.lab), known));
  });
});

describe('novaops at 80x24: stop and resume, read-only', () => {
  test('Ctrl-C in the reboot step, then resume from the home screen: completes, nothing done twice', async () => {
    const { lab, scenario } = await newLab({ settings: { latencyMs: 150, rebootMs: 1500 } });
    cli = spawnScreen([], lab.env, { cols: 80, rows: 24 });
    await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    await openDrpForm(cli);
    await cli.press(' ');
    await pause(100);
    await cli.press(' '); // -> FULL run
    await cli.waitFor(/mode: .*\(•\) FULL run/);
    await cli.press(KEY.enter);

    let stopped = false;
    const first = await confirmUntilEnd(cli, async (step) => {
      if (step !== 3 || stopped) return;
      stopped = true;
      await cli!.waitFor(/reboot/i);
      await pause(400);
      cli!.send(KEY.ctrlC);
      await cli!.waitFor(/Stop after the operations in flight\?/, 30_000);
      await pause(200);
      cli!.send('y');
    });
    expect(first.outcome, cli.screen()).toBe('ABORTED');
    expect(first.exit).toBe(4);
    const rebootsAfterStop = (await lab.stats()).rebootsByServer;

    await cli.press('q');
    await cli.waitFor(/▶ \d{8}-\d{6}-drp-[0-9a-f]{4}\s+live\s+\S+\s+whole cloud\s+\(r resume\)/, 30_000);
    await cli.press('r');
    const second = await confirmUntilEnd(cli);
    expect(second.outcome, cli.screen()).toBe('COMPLETED');

    const stats = await lab.stats();
    // Every affected instance rebooted exactly once across both attempts; every volume attached once.
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid);
    expect(Object.keys(stats.rebootsByServer).sort()).toEqual(shutoff.sort());
    expect(Object.keys(stats.attachesByVolume).sort()).toEqual([...new Set(scenario.attached.map((p) => p.volume))].sort());
    expect(Object.values(stats.rebootsByServer).every((n) => n === 1), JSON.stringify(stats.rebootsByServer)).toBe(true);
    expect(Object.values(stats.attachesByVolume).every((n) => n === 1), JSON.stringify(stats.attachesByVolume)).toBe(true);
    // What the first attempt had rebooted was not rebooted again.
    for (const [uuid, n] of Object.entries(rebootsAfterStop)) expect(stats.rebootsByServer[uuid]).toBe(n);
    await cli.press('q');
    await cli.waitFor(/Runbooks/);
    await cli.press('q');
    expect((await cli.exited).exitCode).toBe(0);
  });

  test('read-only: the session offers only a dry-run and says READ-ONLY; `--read-only run` is refused with exit 3; nothing changes', async () => {
    const { lab } = await newLab();
    const before = await checksums(lab);
    await lab.resetStats();
    cli = spawnScreen(['--read-only'], lab.env, { cols: 80, rows: 24 });
    const home = await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    expect(home).toMatch(/READ-ONLY/);
    await openDrpForm(cli);
    await cli.press(' ');
    await pause(200);
    // The mode does not move off dry-run: a read-only session has no live choice to offer.
    expect(cli.screen()).toMatch(/mode: .*\(•\) dry-run/);
    expect(cli.screen()).not.toMatch(/FULL run|test on one instance/);
    await cli.press(KEY.enter);
    const end = await cli.waitFor(END, 60_000);
    expect(END.exec(end)!.slice(1)).toEqual(['PLANNED', '0']);
    for (const frame of cli.frames().filter((f) => /novaops drp \S+ · cloud/.test(f))) expect(frame).toMatch(/DRY-RUN/);
    await cli.press('q');
    await cli.waitFor(/Runbooks/);
    await cli.press('q');
    await cli.exited;
    cli = spawnScreen(['--read-only', 'run', 'drp', '--yes'], lab.env, { cols: 80, rows: 24 });
    const refused = await cli.exited;
    expect(refused.exitCode, cli.screen()).toBe(3);
    expect(cli.screen()).toMatch(/read-only session/);
    expect(await checksums(lab)).toEqual(before);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });
});

describe('novaops at 80x24: a calmer screen', () => {
  const SHELL = 'operator@jump:~$ echo before\r\nbefore\r\noperator@jump:~$ novaops\r\n';
  const size = { cols: 80, rows: 24 };

  test('the session draws on the alternate screen; `:` and `/` on the home; after :q the shell screen is as it was', async () => {
    const { lab } = await newLab();
    cli = spawnScreen([], lab.env, size, { preface: SHELL });
    await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    expect(cli.activeBuffer()).toBe('alternate');
    // Keys once doctor's checks are done: they share the process with the keys' handlers.
    await cli.waitFor(/health: ok (\d+)\/\1/, 60_000);
    expect(cli.screen()).toMatch(/: command\s+·\s+\/ filter/);

    // A typo says so, and what is accepted.
    await cli.press(':');
    await cli.waitFor(/^:drp, resume <run-id>/m);
    await cli.press('dpr');
    await cli.waitFor(/^:dpr/m);
    await cli.press(KEY.enter);
    await cli.waitFor(/unknown command ":dpr"; accepted: :drp :reset-state :failed-node/);
    // Tab completes a runbook id; enter opens it.
    await cli.press(':');
    await cli.waitFor(/^:drp, resume <run-id>/m);
    await cli.press('fail');
    await cli.waitFor(/^:fail/m);
    await cli.press(KEY.tab);
    await cli.waitFor(/^:failed-node/m);
    await cli.press(KEY.enter);
    await cli.waitFor(/failed-node — [\s\S]*Steps \(\d+, in order\)/);
    await cli.press(KEY.escape);
    await cli.waitFor(/Runbooks/);

    // `/` narrows the runbooks (and the runs) as you type; esc clears.
    await cli.press('/');
    await cli.waitFor(/^\/filter the runbooks/m);
    await cli.press('iscsi');
    await cli.waitFor(/^\/iscsi/m);
    await cli.press(KEY.enter);
    const filtered = await cli.waitFor(/\/iscsi \(esc clears/);
    const listed = filtered.slice(filtered.indexOf('Runbooks'), filtered.indexOf('Last runs'));
    expect(listed).toContain('iscsi-cleanup');
    expect(listed).not.toMatch(/drp|failed-node|uid-gid|reset-state/);
    await cli.press(KEY.escape);
    await cli.waitFor(/failed-node[\s\S]*Last runs/);
    for (const line of cli.lines()) expect(line.length).toBeLessThanOrEqual(size.cols);

    await cli.press(':');
    await cli.waitFor(/^:drp, resume <run-id>/m);
    await cli.press('q');
    await cli.waitFor(/^:q/m);
    await cli.press(KEY.enter);
    expect((await cli.exited).exitCode).toBe(0);
    expect(cli.activeBuffer()).toBe('normal');
    // The shell's screen holds what it held before, and nothing of the session.
    expect(cli.buffer('normal')).toEqual(['operator@jump:~$ echo before', 'before', 'operator@jump:~$ novaops']);
  }, 240_000);

  test('the command log of a dry-run (l): each command with its status and time, scrollable; closing the run leaves no log above the home', async () => {
    const { lab } = await newLab();
    cli = spawnScreen([], lab.env, size, { preface: SHELL });
    await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    await openDrpForm(cli);
    await cli.press(KEY.enter); // dry-run
    await cli.waitFor(END, 60_000);
    await cli.waitFor(/q\/Enter close\s+·\s+l commands/);
    await cli.press('l');
    // Wait for the whole frame, its footer included: ink may write a frame in more than one chunk.
    const log = await cli.waitFor(/Commands \((\d+)\)[\s\S]*— lines \d+-\d+ of \d+ —/);
    const total = Number(/Commands \((\d+)\)/.exec(log)![1]);
    expect(total).toBeGreaterThan(3);
    // The newest at the bottom, each with its status, duration and exact command.
    expect(log).toMatch(/✔ ok( HTTP \d{3}| exit \d+)?\s+[\d.]+ (ms|s)\s+\S+/);
    expect(log).toMatch(/\$ (openstack |SQL |\[\S+\] iscsiadm )/);
    expect(log).toMatch(/— lines \d+-\d+ of \d+ —/);
    for (const line of cli.lines()) expect(line.length).toBeLessThanOrEqual(size.cols);
    // Scrolled to the top: the run's first command is the compute services or servers read.
    await cli.press('g');
    await cli.waitFor(/— lines 1-\d+ of \d+ —/);
    expect(cli.screen()).not.toMatch(/… running/);
    await cli.press('?');
    await cli.waitFor(/Help — a run[\s\S]*command log/);
    await cli.press(' ');
    await cli.waitFor(/Commands \(\d+\)[\s\S]*— lines \d+-\d+ of \d+ —/);
    await cli.press(KEY.escape); // closes the log, not the run screen
    await cli.waitFor(/PLANNED \(exit 0\)[\s\S]*q\/Enter close/);
    await cli.press('q');
    const home = await cli.waitFor(/Runbooks[\s\S]*\? help/);
    // The run's log (finished lines, the plan) went with the run screen.
    expect(home).not.toMatch(/DRY-RUN|plan:|PLANNED/);
    expect(home.split('\n')[0]).toMatch(/novaops · cloud novaops-lab/);
    await cli.press('q');
    expect((await cli.exited).exitCode).toBe(0);
    expect(cli.buffer('normal')).toEqual(['operator@jump:~$ echo before', 'before', 'operator@jump:~$ novaops']);
  }, 240_000);

  test('drp rehearsal picker: the instances the power loss left SHUTOFF come first, most volumes first', async () => {
    const { lab, scenario } = await newLab();
    cli = spawnScreen([], lab.env, size);
    await cli.waitFor(/Runbooks[\s\S]*\? help/, 30_000);
    await cli.waitFor(/health: ok (\d+)\/\1/, 60_000);
    await openDrpForm(cli);
    await cli.waitFor(/› mode:/);
    await cli.press(' '); // -> test on one instance
    await cli.waitFor(/mode: .*\(•\) test on one instance/);
    await cli.press(KEY.tab);
    const picker = await cli.waitFor(new RegExp(`of ${scenario.counts.instances} servers · (\\d+) SHUTOFF by the power loss`), 30_000);
    const shutoff = scenario.instances.filter((i) => i.vmState === 'stopped');
    expect(Number(/(\d+) SHUTOFF by the power loss/.exec(picker)![1])).toBe(shutoff.length);
    const ROW = /^\s*(?:❯\s*)?(\S+)\s+([A-Z_]+)\s+(\d+) volumes?\s/;
    const rows = cli
      .lines()
      .map((line) => ROW.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], status: m[2], volumes: Number(m[3]) }));
    expect(rows.length, cli.screen()).toBe(Math.min(5, scenario.counts.instances));
    const affected = new Set(shutoff.map((i) => i.name));
    const withVolumes = scenario.instances.filter((i) => affected.has(i.name) && scenario.attached.some((p) => p.instance === i.uuid)).length;
    // The first rows: affected instances with volumes, the most volumes first.
    const first = rows.slice(0, Math.min(withVolumes, rows.length));
    expect(first.length).toBeGreaterThan(0);
    for (const row of first) {
      expect(row.status).toBe('SHUTOFF');
      expect(affected.has(row.name), row.name).toBe(true);
      expect(row.volumes).toBeGreaterThan(0);
    }
    expect(first.map((r) => r.volumes)).toEqual([...first.map((r) => r.volumes)].sort((a, b) => b - a));
    // No SHUTOFF instance after the first one that is not.
    const firstOther = rows.findIndex((r) => r.status !== 'SHUTOFF');
    if (firstOther >= 0) expect(rows.slice(firstOther).every((r) => r.status !== 'SHUTOFF')).toBe(true);
    for (const line of cli.lines()) expect(line.length).toBeLessThanOrEqual(size.cols);
    // `/` before the text filters as in every list.
    const target = first[0].name;
    await cli.press(`/${target}`);
    await cli.waitFor(new RegExp(`1 of ${scenario.counts.instances} servers`));
  }, 240_000);

  test('`novaops run` on a terminal: the run screen on the alternate screen, then the outcome printed plainly below the shell', async () => {
    const { lab } = await newLab();
    cli = spawnScreen(['run', 'drp', '--dry-run'], lab.env, size, { preface: SHELL });
    await cli.waitFor(/novaops drp \S+ · cloud/, 30_000);
    expect(cli.activeBuffer()).toBe('alternate');
    expect((await cli.exited).exitCode).toBe(0);
    expect(cli.activeBuffer()).toBe('normal');
    const normal = cli.buffer('normal');
    expect(normal.slice(0, 3)).toEqual(['operator@jump:~$ echo before', 'before', 'operator@jump:~$ novaops']);
    const after = normal.slice(3).join('\n');
    expect(after).toMatch(/^\[DRY-RUN\] novaops drp whole cloud: PLANNED \(exit 0\): dry-run/);
    expect(after).toMatch(/\[DRY-RUN\] {3}transcript: \S+transcript\.jsonl/);
    // Nothing of the screen itself: no steps, no banner box, no plan lines.
    expect(after).not.toMatch(/plan:|DRY-RUN — nothing|Preflight/);
  }, 240_000);
});
