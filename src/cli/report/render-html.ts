// The post-mortem report: one self-contained HTML file (inline CSS and SVG, no script, nothing
// fetched), several runs side by side. It shows what the transcripts show (already redacted) and
// names the run's backups by path, never their contents.
import type { ReportModel, StepSummary } from './report-model.js';
import { formatDuration } from './duration-stats.js';
import { html, SafeHtml } from './html.js';
import { REPORT_CSS } from './report-css.js';
import { timelineSvg } from './timeline-svg.js';

export function renderReportHtml(models: readonly ReportModel[], generatedAt = new Date()): string {
  const title = `novaops report: ${models.map((m) => `${m.runbook} ${m.runId}`).join(' · ')}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${new SafeHtml(REPORT_CSS)}</style>
</head>
<body>
<header class="page"><h1>novaops post-mortem report</h1><p>${models.length === 1 ? 'one run' : `${models.length} runs side by side`} · written ${generatedAt.toISOString()}</p></header>
<main class="runs" style="${`--runs: ${Math.min(models.length, 3)}`}">
${models.map((m) => runSection(m))}
</main>
</body>
</html>
`;
  return page.text;
}

function runSection(m: ReportModel): SafeHtml {
  return html`<section class="run" data-run="${m.runId}">
<h2>${m.runbook} <span class="run-id">${m.runId}</span> <span class="${`outcome outcome-${m.outcome}`}">${m.outcome}</span></h2>
${header(m)}
${m.damagedLines > 0 ? html`<p class="warn">${`${m.damagedLines} line(s) of this transcript are not events; what could be read is shown.`}</p>` : ''}
<h3>Timeline</h3>
${m.attempts.map(
  (a) => html`<figure class="attempt" data-attempt="${a.attempt}">
<figcaption><strong>${`Attempt ${a.attempt}`}</strong>${a.resumed ? ' (resumed)' : ''} · ${new Date(a.start).toISOString()} · ${formatDuration(a.end - a.start)} · <span class="${`outcome outcome-${a.outcome}`}">${a.outcome}</span> — ${a.summary}</figcaption>
${timelineSvg(a, m.runId)}
</figure>`,
)}
${legend()}
<h3>How long one item took</h3>
${durationsTable(m.steps)}
<h3>Steps</h3>
${m.steps.map((s) => stepDetails(s))}
<h3>Rollback scripts and backups</h3>
${artifacts(m)}
</section>`;
}

function header(m: ReportModel): SafeHtml {
  // Short facts two to a line; the long ones (outcome, directory) across the whole width.
  const rows: [string, string, boolean][] = [
    ['runbook', `${m.runbook} ${m.version}`, false],
    ['cloud', m.cloud, false],
    ['operator', m.operator, false],
    ['mode', m.mode, false],
    ['scope', m.scope, false],
    ['duration', `${formatDuration(m.durationMs)} over ${m.attempts.length} attempt(s)`, false],
    ['started', m.startedAt, false],
    ['last event', m.endedAt, false],
    ['outcome', !m.summary ? m.outcome : m.summary.startsWith(m.outcome) ? m.summary : `${m.outcome} — ${m.summary}`, true],
  ];
  if (m.abandoned) rows.push(['abandoned', `by ${m.abandoned.by} at ${m.abandoned.ts}: ${m.abandoned.reason}`, true]);
  if (m.runDir) rows.push(['run directory', m.runDir, true]);
  return html`<dl class="header">${rows.map(([k, v, wide]) => html`<dt>${k}</dt><dd${wide ? html` class="wide"` : ''}>${v}</dd>`)}</dl>
<h3>Options</h3>
<p class="command-line"><code>${m.commandLine}</code></p>
${
  m.options.length === 0
    ? html`<p class="quiet">this runbook has no options</p>`
    : html`<table class="options"><thead><tr><th>option</th><th>value</th></tr></thead><tbody>${m.options.map(
        (o) => html`<tr class="${o.given ? 'given' : 'default'}"><td><code>${o.flag}</code></td><td>${o.value}</td></tr>`,
      )}</tbody></table>`
}`;
}

function legend(): SafeHtml {
  const entries: [string, string][] = [
    ['done', 'done'],
    ['failed', 'failed'],
    ['held', 'held back by a guard'],
    ['skipped', 'already done'],
    ['unfinished', 'started, never acknowledged'],
    ['planned', 'planned (dry-run)'],
  ];
  return html`<p class="legend">${entries.map(([c, label]) => html`<span><i class="${`swatch ${c}`}"></i>${label}</span>`)}<span><i class="swatch done retried"></i>retried</span><span><i class="swatch op-fail"></i>an operation failed</span><span><i class="swatch confirm"></i>confirmation: answer, who, how</span></p>`;
}

function durationsTable(steps: readonly StepSummary[]): SafeHtml {
  return html`<table class="durations"><thead><tr><th>step</th><th>items</th><th>timed</th><th>median</th><th>p90</th><th>max</th></tr></thead><tbody>${steps.map((s) => {
    const d = s.durations;
    const counts = Object.entries(s.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    return html`<tr data-step="${s.step}"><td>${`${s.index}. ${s.title}`}</td><td>${counts || '—'}</td><td class="num">${d ? d.count : 0}</td><td class="num">${d ? formatDuration(d.medianMs) : '—'}</td><td class="num">${d ? formatDuration(d.p90Ms) : '—'}</td><td class="num">${d ? formatDuration(d.maxMs) : '—'}</td></tr>`;
  })}</tbody></table>
<p class="quiet">Timed: items done with an operation started in that attempt, from its start to its acknowledgement (settling included).</p>`;
}

function stepDetails(s: StepSummary): SafeHtml {
  const guards =
    s.guards.length === 0
      ? ''
      : html`<ul class="guards">${s.guards.map(
          (g) => html`<li class="${g.ok ? 'ok' : 'failed'}">${`Attempt ${g.attempt}: guard “${g.name}” ${g.ok ? 'passed' : 'FAILED'} — ${g.detail}`}${
            g.heldBack.length === 0
              ? ''
              : html`<ul class="held">${g.heldBack.map((h) => html`<li>held back <code>${h.key}</code>: ${h.reason}</li>`)}</ul>`
          }</li>`,
        )}</ul>`;
  const confirms =
    s.confirms.length === 0
      ? ''
      : html`<ul class="confirms">${s.confirms.map(
          (c) => html`<li>${`Attempt ${c.attempt}: “${c.question}” — answered `}<strong>${c.answer ? 'yes' : 'no'}</strong>${` by ${c.who} (${c.how})`}</li>`,
        )}</ul>`;
  const notes =
    s.notes.length === 0
      ? ''
      : html`<ul class="notes">${s.notes.map((n) => html`<li class="${n.level}">${`Attempt ${n.attempt}: ${n.message}`}</li>`)}</ul>`;
  const commands =
    s.commands.length === 0
      ? html`<p class="quiet">no operation</p>`
      : html`<details${s.commands.length <= 6 ? html` open` : ''}><summary>${`${s.commands.length} command(s) an operator could type (${s.commands.filter((c) => c.mutating).length} changing the cloud)`}</summary><ul class="commands">${s.commands.map(
          (c) => html`<li class="${c.mutating ? 'mutating' : 'read'}"><span class="summary">${`${c.mutating ? 'changes' : 'reads'}: ${c.summary}${c.count > 1 ? ` (×${c.count})` : ''}`}</span><pre><code>${c.command}</code></pre></li>`,
        )}</ul></details>`;
  return html`<section class="step-detail" data-step="${s.step}"><h4>${`Step ${s.index}: ${s.title}`}</h4>${guards}${notes}${confirms}${commands}</section>`;
}

function artifacts(m: ReportModel): SafeHtml {
  if (m.artifacts.length === 0) return html`<p class="quiet">no artifacts were written</p>`;
  return html`<p class="quiet">Listed by path only: row backups and rollback scripts may hold connection secrets and stay in the run directory (mode 0600).</p>
<table class="artifacts"><thead><tr><th>what</th><th>path</th></tr></thead><tbody>${m.artifacts.map(
    (a) => html`<tr><td>${a.kind}</td><td><code>${a.path}</code></td></tr>`,
  )}</tbody></table>`;
}
