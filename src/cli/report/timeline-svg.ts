// One attempt's timeline as inline SVG: steps as bands, each item a bar from its first
// operation's start to its acknowledgement, failures and retries marked, confirmations as
// diamonds saying who answered what. Every bar carries data-item, so a test can count them.
import type { Attempt, ItemBar, StepRun } from './report-model.js';
import { formatDuration } from './duration-stats.js';
import { html, type SafeHtml } from './html.js';

const WIDTH = 1000;
const PLOT_X = 250;
const PLOT_W = WIDTH - PLOT_X - 16;
const AXIS_H = 26;
const HEAD_H = 18;
const MAX_TITLE = 38;

export function timelineSvg(attempt: Attempt, runId: string): SafeHtml {
  const itemCount = attempt.steps.reduce((n, s) => n + s.items.length, 0);
  // Rows shrink as items grow, so a 500-reboot run stays one screen tall and every bar is drawn.
  const rowH = Math.max(3, Math.min(12, Math.floor(520 / Math.max(1, itemCount))));
  const span = Math.max(1, attempt.end - attempt.start);
  const x = (t: number) => PLOT_X + ((Math.min(Math.max(t, attempt.start), attempt.end) - attempt.start) / span) * PLOT_W;
  let y = AXIS_H;
  const bands: SafeHtml[] = [];
  attempt.steps.forEach((step, n) => {
    const height = HEAD_H + step.items.length * rowH + 4;
    bands.push(stepBand(step, n, y, height, rowH, x, attempt.attempt));
    y += height;
  });
  const total = y + 8;
  return html`<svg class="timeline" viewBox="0 0 ${WIDTH} ${total}" width="100%" role="img" aria-label="${`timeline of run ${runId}, attempt ${attempt.attempt}`}" data-attempt="${attempt.attempt}" xmlns="http://www.w3.org/2000/svg">
${axis(span, total)}
${bands}
</svg>`;
}

function axis(span: number, total: number): SafeHtml {
  const step = niceStep(span / 6);
  const ticks: SafeHtml[] = [];
  for (let t = 0; t <= span + 1e-6; t += step) {
    const tx = PLOT_X + (t / span) * PLOT_W;
    ticks.push(html`<line class="tick" x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${AXIS_H - 6}" y2="${total - 6}"/><text class="tick-label" x="${tx.toFixed(1)}" y="${AXIS_H - 10}" text-anchor="middle">${t === 0 ? "0" : `+${formatDuration(t)}`}</text>`);
  }
  return html`<g class="axis">${ticks}</g>`;
}

function stepBand(step: StepRun, n: number, top: number, height: number, rowH: number, x: (t: number) => number, attempt: number): SafeHtml {
  const title = `Step ${step.index}: ${step.title}`;
  const shortTitle = title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
  const spanX = x(step.start);
  const spanW = Math.max(2, x(step.end) - spanX);
  const bars = step.items.map((item, i) => itemBar(item, top + HEAD_H + i * rowH, rowH, x, attempt));
  const confirms = step.confirms.map((c) => {
    const cx = x(c.ts);
    const cy = top + HEAD_H / 2;
    const said = `${c.answer ? 'yes' : 'no'} · ${c.who} (${c.how})`;
    return html`<g class="confirm ${c.answer ? 'yes' : 'no'}" data-confirm="${c.answer ? 'yes' : 'no'}"><path d="M${cx.toFixed(1)} ${cy - 6} l6 6 l-6 6 l-6 -6 z"/><text x="${(cx + 9).toFixed(1)}" y="${cy + 4}" class="confirm-label">${said}</text><title>${`${c.question}\nanswered ${c.answer ? 'yes' : 'no'} by ${c.who} (${c.how})`}</title></g>`;
  });
  return html`<g class="step ${`outcome-${step.outcome}`}" data-step="${step.step}">
<rect class="band ${n % 2 ? 'odd' : 'even'}" x="0" y="${top}" width="${WIDTH}" height="${height}"/>
<rect class="step-span" x="${spanX.toFixed(1)}" y="${top + 2}" width="${spanW.toFixed(1)}" height="${height - 4}"><title>${`${title}: ${step.outcome}${step.detail ? ` — ${step.detail}` : ''} (${formatDuration(step.end - step.start)})`}</title></rect>
<text class="step-label" x="6" y="${top + 13}">${shortTitle}<title>${title}</title></text>
<text class="step-outcome" x="6" y="${top + 13 + Math.min(14, height - 16)}">${step.items.length > 0 ? `${step.outcome} · ${step.items.length} item(s)` : ''}</text>
${bars}
${confirms}
</g>`;
}

function itemBar(item: ItemBar, y: number, rowH: number, x: (t: number) => number, attempt: number): SafeHtml {
  const x0 = x(item.start);
  const w = Math.max(3, x(item.end) - x0);
  const h = Math.max(2, rowH - 1);
  const classes = ['bar', item.status, item.retried ? 'retried' : '', item.measured ? '' : 'unmeasured'].filter(Boolean).join(' ');
  const took = item.measured ? formatDuration(item.end - item.start) : 'not timed';
  const failures = item.opFailures.map((t) => html`<line class="op-fail" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${y - 1}" y2="${y + h + 1}"/>`);
  return html`<g class="item"><rect class="${classes}" data-item="${item.key}" data-status="${item.status}" data-attempt="${attempt}"${item.retried ? html` data-retried="true"` : ''} x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${h}"><title>${`${item.key}\n${item.status}${item.retried ? ' (retried)' : ''}, ${took}${item.detail ? `\n${item.detail}` : ''}`}</title></rect>${failures}</g>`;
}

/** 1, 2 or 5 times a power of ten milliseconds: axis labels an operator reads at a glance. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
