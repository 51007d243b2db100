// A transcript as a Markdown document for the post-mortem: the run and its options, a heading per
// step with its guards as sentences and a table of its items, how long one item took, and the
// commands an operator could type as code. It carries what the operator saw, never the run's
// artifacts: row backups and rollback scripts can hold connection_info secrets (CHAP passwords)
// and stay in the run directory, mode 0600; they are named by path.
import type { EngineEvent } from '../../engine/events.js';
import type { RunArtifact } from '../../engine/run-record.js';
import { formatDuration } from '../report/duration-stats.js';
import { reportModelOf } from '../report/model-of-record.js';
import type { Attempt, ItemBar, ReportModel, StepRun, StepSummary } from '../report/report-model.js';

export function renderMarkdown(runId: string, events: readonly EngineEvent[], artifacts?: readonly RunArtifact[]): string {
  const m = reportModelOf({ runId, events: [...events], artifacts: artifacts ? [...artifacts] : undefined });
  const out: string[] = [`# novaops run ${runId}`, '', ...header(m)];
  const several = m.attempts.length > 1;
  for (const attempt of m.attempts) {
    if (several) out.push('', `## Attempt ${attempt.attempt}${attempt.resumed ? ' (resumed)' : ''}: ${attempt.outcome}`, '', text(`${new Date(attempt.start).toISOString()}, ${formatDuration(attempt.end - attempt.start)}. ${attempt.summary}`));
    for (const step of attempt.steps) out.push(...stepSection(step, several ? '###' : '##'));
    if (several) out.push(...attemptEnd(attempt));
  }
  out.push(...durations(m.steps), ...commands(m.steps), ...result(m));
  return `${out.join('\n')}\n`;
}

function header(m: ReportModel): string[] {
  const lines = [
    `**${text(m.runbook)} ${text(m.version)}** on cloud **${text(m.cloud)}**, operator ${text(m.operator)}, ${m.mode === 'dry-run' ? '**DRY-RUN** (nothing was changed)' : `mode ${text(m.mode)}`}, ${text(m.scope)}.`,
    '',
    `Outcome: **${text(m.outcome)}**${m.summary ? `: ${text(m.summary)}` : ''}`,
    '',
    `Took ${formatDuration(m.durationMs)} over ${m.attempts.length} attempt(s), from ${m.startedAt} to ${m.endedAt}.`,
  ];
  if (m.commandLine) lines.push('', 'Started as:', '', ...codeBlock([m.commandLine]));
  if (m.options.length > 0) {
    lines.push('', '| Option | Value |', '|---|---|', ...m.options.map((o) => `| \`${o.flag}\` | ${cell(o.value)} |`));
  }
  return lines;
}

function stepSection(step: StepRun, level: string): string[] {
  const out = ['', `${level} Step ${step.index}: ${text(step.title)}${step.optional ? ' (optional)' : ''}`, ''];
  for (const w of step.warnings) out.push(`> **Warning:** ${text(w)}`, '');
  out.push(`Outcome: **${text(step.outcome)}**${step.detail ? `: ${text(step.detail)}` : ''} (${formatDuration(step.end - step.start)}).`);
  for (const g of step.guards) {
    out.push('', `Guard “${text(g.name)}” ${g.ok ? 'passed' : '**failed**'}: ${text(g.detail)}.${g.heldBack.length > 0 ? ` It held back ${g.heldBack.length} item(s):` : ''}`);
    if (g.heldBack.length > 0) out.push('', ...g.heldBack.map((h) => `- ${text(h.key)}: ${text(h.reason)}`));
  }
  for (const c of step.confirms) {
    out.push('', `Asked “${text(c.question)}”, ${text(c.who)} answered **${c.answer ? 'yes' : 'no'}** (${text(c.how)}).`);
  }
  if (step.notes.length > 0) out.push('', ...step.notes.map((n) => `- ${n.level === 'warn' ? '**Warning:** ' : ''}${text(n.message)}`));
  if (step.items.length > 0) {
    out.push('', '| Item | Outcome | Duration | Detail |', '|---|---|---:|---|', ...step.items.map(itemRow));
  }
  return out;
}

function itemRow(item: ItemBar): string {
  const outcome = `${item.status}${item.retried ? ' (retried)' : ''}`;
  return `| ${cell(item.key)} | ${outcome} | ${item.measured ? formatDuration(item.end - item.start) : '—'} | ${cell(item.detail)} |`;
}

function attemptEnd(attempt: Attempt): string[] {
  const requests = Object.entries(attempt.apiRequests).sort((a, b) => b[1] - a[1]);
  return requests.length === 0 ? [] : ['', `API requests in attempt ${attempt.attempt}: ${requests.map(([k, v]) => `${text(k)} ×${v}`).join(', ')}.`];
}

function durations(steps: readonly StepSummary[]): string[] {
  const timed = steps.filter((s) => s.durations);
  if (timed.length === 0) return [];
  return [
    '',
    '## How long one item took',
    '',
    'From the start of its first operation to its acknowledgement, over the items done in every attempt.',
    '',
    '| Step | Items timed | Median | p90 | Max |',
    '|---|---:|---:|---:|---:|',
    ...timed.map((s) => `| ${s.index}. ${cell(s.title)} | ${s.durations!.count} | ${formatDuration(s.durations!.medianMs)} | ${formatDuration(s.durations!.p90Ms)} | ${formatDuration(s.durations!.maxMs)} |`),
  ];
}

function commands(steps: readonly StepSummary[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (s.commands.length === 0) continue;
    const lines = s.commands.flatMap((c) => [`# ${c.mutating ? 'changes' : 'reads'}: ${oneLine(c.summary)}${c.count > 1 ? ` (×${c.count})` : ''}`, oneLine(c.command)]);
    out.push('', `### Step ${s.index}: ${text(s.title)}`, '', ...codeBlock(lines));
  }
  return out.length === 0 ? [] : ['', '## Commands an operator could type', ...out];
}

function result(m: ReportModel): string[] {
  const out: string[] = [];
  if (m.abandoned) out.push('', '## Abandoned', '', `By ${text(m.abandoned.by)} at ${m.abandoned.ts}: ${text(m.abandoned.reason)}.`);
  const last = m.attempts.at(-1);
  if (last) {
    const counts = m.steps.reduce(
      (c, s) => ({ done: c.done + s.counts.done, failed: c.failed + s.counts.failed, held: c.held + s.counts.held }),
      { done: 0, failed: 0, held: 0 },
    );
    out.push('', '## Result', '', `**${text(last.outcome.toUpperCase())}**: ${text(last.summary)}`, '', `Items over every attempt: ${counts.done} done, ${counts.failed} failed, ${counts.held} held back.`);
    if (m.attempts.length === 1) out.push(...attemptEnd(last).map((l) => l.replace(/ in attempt 1:/, ':')));
  }
  if (m.runDir) out.push('', `Run directory: ${text(m.runDir)} (transcript: transcript.jsonl).`);
  if (m.artifacts.length > 0) out.push('', 'Rollback scripts and backups (by path; their contents stay in the run directory):', '', ...m.artifacts.map((a) => `- ${a.kind}: ${text(a.path)}`));
  return out;
}

/**
 * Text from the transcript as Markdown text: markup characters are escaped, so an instance named
 * `<b>x</b>` or `*x*` reads as typed. Backticks are kept: transcripts quote commands with them.
 */
function text(s: string): string {
  return oneLine(s).replace(/[\\*_[\]<>#|~]/g, (c) => `\\${c}`);
}

/** A fenced block whose fence is longer than any run of backticks inside it, so nothing can close it early. */
function codeBlock(lines: readonly string[]): string[] {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}sh`, ...lines, fence];
}

function cell(s: string): string {
  return text(s);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
