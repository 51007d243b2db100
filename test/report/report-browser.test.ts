// The post-mortem report opened in a real headless browser (Debian's chromium, driven by
// playwright-core): a rehearsal and the full drp on the lab, side by side, show every item of
// each run on the timeline, fetch nothing but the file itself, and render a hostile instance name
// as text; a run that failed and was resumed shows both attempts.
//
// The screenshot the README shows is taken here; to refresh it:
//   NOVAOPS_REPORT_SCREENSHOT=docs/report.png npx vitest run test/report/report-browser.test.ts
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, startCli } from '../support/cli.js';
import { writeLabConfigVariant } from '../support/lab-config.js';
import { createTestLab, type TestLab } from '../support/lab.js';
import { rehearsalInstance } from '../support/rehearsal.js';
import { readEvents, transcriptOf, waitForEvents } from '../support/transcript-watch.js';

const CHROMIUM = '/usr/bin/chromium';
// bin/setup installs chromium; only a machine without it, outside CI, may skip.
const skipReason = !existsSync(CHROMIUM) && !process.env.CI ? `skipped: ${CHROMIUM} is missing (bin/setup installs Debian's chromium)` : undefined;
const HOSTILE = '<script>alert(1)</script>';
/** The little of the DOM these checks use (the project compiles without the DOM library). */
type El = { getAttribute(name: string): string | null; querySelectorAll(s: string): { length: number }; querySelector(s: string): { textContent: string | null } | null };

let browser: BrowserContext;
let work: string;

beforeAll(async () => {
  if (skipReason) return;
  work = await mkdtemp(join(tmpdir(), 'novaops-report-browser-'));
  // A persistent context is how playwright takes a user data dir: a new, empty one for this test.
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 820 },
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Opens a report; every request the page makes and every dialog it opens is recorded. */
async function openReport(file: string): Promise<{ page: Page; requests: string[]; dialogs: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, dialogs };
}

const itemKeys = async (stateDir: string, runId: string) =>
  (await readEvents(transcriptOf(stateDir, runId))).flatMap((e) => (e.type === 'item' ? [e.key] : [])).sort();
const runIdOf = (stdout: string) => /run (\d{8}-\d{6}-drp-[0-9a-f]{4})/.exec(stdout)![1];

describe.skipIf(skipReason !== undefined)(skipReason ?? 'the post-mortem report in a headless browser', () => {
  it('a rehearsal beside the full drp: every item on the timeline, nothing fetched, names as text', async () => {
    const lab: TestLab = await createTestLab();
    try {
      const scenario = await lab.scenario('power-loss', { instances: 20, volumes: 30, liveSession: true, seed: 11 });
      // An instance in ERROR is named by the preflight: give it a name an attacker could choose.
      const named = scenario.instances.find((i) => i.vmState === 'error') ?? scenario.instances.find((i) => i.vmState === 'active')!;
      await lab.rootQuery(`UPDATE \`${lab.info.db.schemas.nova}\`.instances SET display_name = ?, vm_state = 'error' WHERE uuid = ?`, [HOSTILE, named.uuid]);

      const rehearsal = await runCli(['run', 'drp', '--test-instance', rehearsalInstance(scenario).uuid, '--yes'], lab.env);
      expect(rehearsal.code, rehearsal.stdout + rehearsal.stderr).toBe(0);
      const full = await runCli(['run', 'drp', '--yes'], lab.env);
      // The live-session volume is held back: completed, not all of it done (exit 5).
      expect(full.code, full.stdout + full.stderr).toBe(5);
      const [rehearsalId, fullId] = [runIdOf(rehearsal.stdout), runIdOf(full.stdout)];

      const file = join(work, 'full.html');
      const made = await runCli(['transcripts', 'report', fullId, '--html', file], lab.env);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout.trim()).toBe(file);

      const { page, requests, dialogs } = await openReport(file);
      const bars = await page.locator('svg.timeline [data-item]').evaluateAll((els) => (els as unknown as El[]).map((e) => e.getAttribute('data-item')!).sort());
      const keys = await itemKeys(lab.stateDir, fullId);
      expect(keys.length).toBeGreaterThan(25);
      expect(bars).toEqual(keys);
      expect(await page.locator('svg.timeline [data-confirm]').count()).toBeGreaterThanOrEqual(3);
      // Every reboot was timed, from its request to the instance read back ACTIVE.
      expect(await page.locator('table.durations tr[data-step="reboot"] td.num').first().textContent()).toBe(String(keys.filter((k) => k.startsWith('reboot:')).length));
      expect(await page.locator('table.artifacts').textContent()).toContain('rollback-clean-db-attempt1.sql');
      // The hostile name is on the page as text; no script exists and none ran.
      expect(await page.locator('body').textContent()).toContain(HOSTILE);
      expect(await page.locator('script').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]);

      const screenshot = resolve(REPO, process.env.NOVAOPS_REPORT_SCREENSHOT ?? join(work, 'report.png'));
      await page.setViewportSize({ width: 1000, height: 1100 });
      await page.screenshot({ path: screenshot });
      expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe('PNG');
      await page.close();

      // Side by side: the rehearsal beside the full run, each with all of its items.
      const both = join(work, 'both.html');
      expect((await runCli(['transcripts', 'report', rehearsalId, fullId, '--html', both], lab.env)).code).toBe(0);
      const side = await openReport(both);
      expect(await side.page.locator('section.run').evaluateAll((els) => (els as unknown as El[]).map((e) => e.getAttribute('data-run')))).toEqual([rehearsalId, fullId]);
      const perRun = await side.page
        .locator('section.run')
        .evaluateAll((els) => (els as unknown as El[]).map((e) => e.querySelectorAll('svg.timeline [data-item]').length));
      expect(perRun).toEqual([(await itemKeys(lab.stateDir, rehearsalId)).length, keys.length]);
      expect(side.requests).toEqual([pathToFileURL(both).href]);
      await side.page.close();
    } finally {
      await lab.destroy();
    }
  });

  it('a run that failed and was resumed shows both attempts', async () => {
    // The API goes away during the re-attach (as in test/drp/api-outage.test.ts), then comes back.
    const lab: TestLab = await createTestLab({ settings: { latencyMs: 100, rebootMs: 50, attachMs: 50 } });
    try {
      await lab.scenario('power-loss', { instances: 14, volumes: 20, seed: 21 });
      const config = await writeLabConfigVariant(lab, 'outage.yaml', (c) => {
        c.api = { ...c.api, concurrency: 2 };
        c.poll = { initial_ms: 50, max_ms: 200, timeout_ms: 3000 };
      });
      const env = { ...lab.env, NOVAOPS_CONFIG: config };
      const run = startCli(['run', 'drp', '--yes'], env);
      const { runId } = await waitForEvents(lab.stateDir, (ev) => ev.filter((e) => e.type === 'op.end' && e.step === 'reattach' && e.item !== null).length >= 3);
      await lab.stopApi();
      expect((await run.done).code).toBe(1);
      await lab.startApi();
      const resumed = await runCli(['resume', runId, '--yes'], env);
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

      // Without --html: a default path in the working directory, printed.
      const made = await runCli(['transcripts', 'report', runId], env);
      expect(made.code, made.stderr).toBe(0);
      const file = made.stdout.trim();
      expect(file).toBe(join(REPO, `novaops-report-${runId}.html`));
      try {
        const { page, requests } = await openReport(file);
        const attempts = await page.locator('figure.attempt').evaluateAll((els) => (els as unknown as El[]).map((e) => [e.getAttribute('data-attempt'), e.querySelector('figcaption')!.textContent]));
        expect(attempts).toHaveLength(2);
        expect(attempts[0][1]).toMatch(/Attempt 1 .*failed/);
        expect(attempts[1][1]).toMatch(/Attempt 2 \(resumed\).*completed/);
        // Attempt 1 failed re-attaches; attempt 2 took them up again, marked as retried.
        expect(await page.locator('figure[data-attempt="1"] [data-item][data-status="failed"]').count()).toBeGreaterThan(0);
        expect(await page.locator('figure[data-attempt="2"] [data-item][data-retried="true"]').count()).toBeGreaterThan(0);
        const events = await readEvents(transcriptOf(lab.stateDir, runId));
        expect(await page.locator('svg.timeline [data-item]').count()).toBe(events.filter((e) => e.type === 'item').length);
        expect(await page.locator('.outcome').first().textContent()).toBe('completed');
        expect(requests).toEqual([pathToFileURL(file).href]);
        await page.close();
      } finally {
        await rm(file, { force: true });
      }
    } finally {
      await lab.destroy();
    }
  });
});
