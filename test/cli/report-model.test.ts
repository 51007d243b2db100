// The post-mortem report's model and its two renderings (HTML, Markdown) on a recorded run that
// failed and was resumed: attempts, bars, retries, durations, guards, and a hostile instance name
// that must read as text everywhere.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { renderMarkdown } from '../../src/cli/presenters/markdown.js';
import { durationStats } from '../../src/cli/report/duration-stats.js';
import { reportModelOf } from '../../src/cli/report/model-of-record.js';
import { renderReportHtml } from '../../src/cli/report/render-html.js';

const HOSTILE = '<script>alert(1)</script>';
const RUN = '20260101-120000-drp-1a2b';
const T0 = Date.parse('2026-01-01T12:00:00.000Z');

/** A transcript: each body stamped `at` ms after T0, numbered in order. */
function transcript(bodies: [number, EngineEventBody][]): EngineEvent[] {
  return bodies.map(([at, body], i) => ({ ...body, ts: new Date(T0 + at).toISOString(), seq: i + 1 }) as EngineEvent);
}

const start = (attempt: number) =>
  ({ type: 'run.start', runId: RUN, runbook: 'drp', version: '1.0.0', params: { sshReboot: true }, mode: 'live', scope: null, operator: 'ana', host: 'ctl1', cloud: 'prod', resumed: attempt > 1, attempt }) as const;
const attach = (n: number) => `attach:vol-${n}:inst-${n}`;
const opStart = (step: string, item: string, opId: string) =>
  ({ type: 'op.start', step, item, opId, summary: `attach ${item}`, command: `openstack server add volume ${item}`, mutating: true }) as const;

const events = transcript([
  [0, start(1)],
  [10, { type: 'step.start', step: 'reattach', title: 'Reattach the volumes', index: 4, optional: false, warnings: [] }],
  [20, { type: 'guard', step: 'reattach', name: 'volume available', ok: true, detail: '1 held back', heldBack: [{ key: `attach:${HOSTILE}`, reason: `instance ${HOSTILE} is in ERROR` }] }],
  [21, { type: 'item', step: 'reattach', key: `attach:${HOSTILE}`, status: 'held', detail: `instance ${HOSTILE} is in ERROR` }],
  [30, { type: 'confirm', step: 'reattach', question: 'Reattach 2 volume(s)?', answer: true, how: 'prompt' }],
  [100, opStart('reattach', attach(1), 'r#1')],
  [100, opStart('reattach', attach(2), 'r#2')],
  [400, { type: 'op.end', step: 'reattach', item: attach(1), opId: 'r#1', ok: true, status: 200, durationMs: 300 }],
  [500, { type: 'item', step: 'reattach', key: attach(1), status: 'done', detail: 'in-use at /dev/vdb' }],
  [600, { type: 'op.end', step: 'reattach', item: attach(2), opId: 'r#2', ok: false, durationMs: 500, error: 'ECONNREFUSED' }],
  [601, { type: 'item', step: 'reattach', key: attach(2), status: 'failed', detail: 'cannot reach the compute API' }],
  [610, { type: 'step.end', step: 'reattach', outcome: 'failed', detail: '1 done, 1 failed, 1 held back', durationMs: 600 }],
  [620, { type: 'run.end', outcome: 'failed', summary: 'step 4 failed', durationMs: 620, counts: { done: 1, failed: 1, held: 1, skipped: 0 }, apiRequests: { 'POST compute attach': 2 }, runDir: `/state/runs/${RUN}` }],
  [60_000, start(2)],
  [60_010, { type: 'step.start', step: 'reattach', title: 'Reattach the volumes', index: 4, optional: false, warnings: [] }],
  [60_020, { type: 'confirm', step: 'reattach', question: 'Reattach 1 volume(s)?', answer: true, how: '--yes' }],
  [60_100, opStart('reattach', attach(2), 'r#3')],
  [60_900, { type: 'op.end', step: 'reattach', item: attach(2), opId: 'r#3', ok: true, status: 200, durationMs: 800 }],
  [61_000, { type: 'item', step: 'reattach', key: attach(2), status: 'done', detail: 'in-use at /dev/vdc' }],
  [61_010, { type: 'step.end', step: 'reattach', outcome: 'done', detail: '1 done', durationMs: 1000 }],
  [61_020, { type: 'run.end', outcome: 'completed', summary: 'completed', durationMs: 1020, counts: { done: 1, failed: 0, held: 0, skipped: 0 }, apiRequests: {}, runDir: `/state/runs/${RUN}` }],
]);
const artifacts = [
  { name: 'rollback-clean-db-attempt1.sql', path: `/state/runs/${RUN}/artifacts/rollback-clean-db-attempt1.sql` },
  { name: 'rows-clean-db-attempt1.json', path: `/state/runs/${RUN}/artifacts/rows-clean-db-attempt1.json` },
];

describe('report model', () => {
  const model = reportModelOf({ runId: RUN, events, artifacts });

  test('one attempt per run.start, each with its items as bars from start to acknowledgement', () => {
    expect(model.attempts.map((a) => [a.attempt, a.resumed, a.outcome])).toEqual([
      [1, false, 'failed'],
      [2, true, 'completed'],
    ]);
    const [first, second] = model.attempts.map((a) => a.steps[0].items);
    expect(first.map((i) => [i.key, i.status, i.measured, i.end - i.start])).toEqual([
      [`attach:${HOSTILE}`, 'held', false, 0],
      [attach(1), 'done', true, 400],
      [attach(2), 'failed', true, 501],
    ]);
    expect(first[2].opFailures).toEqual([T0 + 600]);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ key: attach(2), status: 'done', retried: true, start: T0 + 60_100, end: T0 + 61_000 });
    expect(model.attempts[1].steps[0].confirms[0]).toMatchObject({ answer: true, how: '--yes', who: 'ana@ctl1' });
  });

  test('header, options as flags, durations of the items done, commands counted, backups by path', () => {
    expect(model).toMatchObject({ runbook: 'drp', cloud: 'prod', operator: 'ana@ctl1', mode: 'live', scope: 'whole cloud', outcome: 'completed', durationMs: 620 + 1020 });
    expect(model.options).toEqual([{ flag: '--ssh-reboot', value: 'yes', given: true }]);
    expect(model.commandLine).toBe('novaops run drp --ssh-reboot');
    expect(model.steps[0].durations).toEqual({ count: 2, medianMs: 400, p90Ms: 900, maxMs: 900 });
    expect(model.steps[0].commands.find((c) => c.command.endsWith(attach(2)))?.count).toBe(2);
    expect(model.artifacts.map((a) => a.kind)).toEqual(['rollback script', 'row backup']);
  });

  test('durations are nearest-rank: every figure is one that happened', () => {
    expect(durationStats([])).toBeUndefined();
    expect(durationStats([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toEqual({ count: 10, medianMs: 5, p90Ms: 9, maxMs: 10 });
  });
});

describe('report HTML', () => {
  const page = renderReportHtml([reportModelOf({ runId: RUN, events, artifacts })], new Date(T0));

  test('a hostile instance name is text: no markup of it reaches the page', () => {
    expect(page).not.toContain(HOSTILE);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.match(/<script/gi)).toBeNull();
  });

  test('one bar per item and attempt, retries and confirmations marked, nothing that could be fetched', () => {
    expect(page.match(/data-item="/g)).toHaveLength(4);
    expect(page.match(/data-retried="true"/g)).toHaveLength(1);
    expect(page.match(/data-confirm="yes"/g)).toHaveLength(2);
    expect(page).not.toMatch(/\b(src|href)=|@import|url\(/i);
    expect(page).toContain(`/state/runs/${RUN}/artifacts/rows-clean-db-attempt1.json`);
  });
});

describe('transcripts show --markdown', () => {
  const md = renderMarkdown(RUN, events, artifacts);

  test('reads as a document: headings per attempt and step, a table of items, guards as sentences, options listed', () => {
    expect(md).toMatch(/^# novaops run 20260101-120000-drp-1a2b\n/);
    expect(md).toContain('| `--ssh-reboot` | yes |');
    expect(md).toContain('## Attempt 2 (resumed): completed');
    expect(md).toContain('### Step 4: Reattach the volumes');
    expect(md).toContain('| Item | Outcome | Duration | Detail |');
    expect(md).toContain(`| ${attach(2)} | done (retried) | 900 ms | in-use at /dev/vdc |`);
    expect(md).toContain('Guard “volume available” passed: 1 held back. It held back 1 item(s):');
    expect(md).toContain('ana@ctl1 answered **yes** (--yes)');
    // Code only for what an operator could type: no line is one code span any more.
    expect(md.split('\n').filter((l) => /^- `.*`$/.test(l))).toEqual([]);
    expect(md).toContain(`\`\`\`sh\n# changes: attach ${attach(1)}\nopenstack server add volume ${attach(1)}`);
  });

  test('markup in names is escaped', () => {
    expect(md).not.toContain(HOSTILE);
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>');
  });
});

describe('novaops transcripts report', () => {
  test('writes the file 0600 and prints its path; an unknown run or an unwritable path is exit 2 and writes nothing', async () => {
    const state = await mkdtemp(join(tmpdir(), 'novaops-report-cli-'));
    try {
      await mkdir(join(state, 'runs', RUN, 'artifacts'), { recursive: true });
      await writeFile(join(state, 'runs', RUN, 'transcript.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      await writeFile(join(state, 'runs', RUN, 'artifacts', 'rows-clean-db-attempt1.json'), '{"connection_info":"CHAP-SECRET"}');
      const env = { NOVAOPS_STATE_DIR: state };
      const file = join(state, 'r.html');
      const made = await runCli(['transcripts', 'report', RUN, '--html', file], env);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toBe(`${file}\n`);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const page = await readFile(file, 'utf8');
      expect(page.match(/data-item="/g)).toHaveLength(4);
      // The backup is named by its path; what it holds never reaches the report.
      expect(page).toContain(join(state, 'runs', RUN, 'artifacts', 'rows-clean-db-attempt1.json'));
      expect(page).not.toContain('CHAP-SECRET');

      const unknown = await runCli(['transcripts', 'report', RUN.replace('1a2b', 'ffff'), '--html', join(state, 'u.html')], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no transcript for run');
      const nowhere = await runCli(['transcripts', 'report', RUN, '--html', join(state, 'missing', 'r.html')], env);
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('cannot write the report');
      await expect(stat(join(state, 'u.html'))).rejects.toThrow();
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});

describe('a step that did not apply', () => {
  const run = '20260101-130000-failed-node-3c4d';
  const naEvents = transcript([
    [0, { ...start(1), runId: run, runbook: 'failed-node', params: { method: 'db' } }],
    [10, { type: 'step.not-applicable', step: 'force-down', title: 'Fence the failed host: force its nova-compute service down', index: 1, condition: '--method evacuate' }],
    [20, { type: 'run.end', outcome: 'completed', summary: 'completed', durationMs: 20, counts: { done: 0, failed: 0, held: 0, skipped: 0 }, apiRequests: {}, runDir: `/state/runs/${run}` }],
  ]);

  test('is in the post-mortem once, with the condition it needed (Markdown and HTML)', () => {
    const markdown = renderMarkdown(run, naEvents);
    expect(markdown).toContain('Fence the failed host: force its nova-compute service down');
    expect(markdown.match(/not applicable: only with --method evacuate/g)).toHaveLength(1);
    const html = renderReportHtml([reportModelOf({ runId: run, events: naEvents })]);
    expect(html).toContain('not applicable: only with --method evacuate');
  });
});
