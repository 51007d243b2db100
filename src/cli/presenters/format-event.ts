// Events as readable lines: shared by the plain presenter (live) and `transcripts show`
// (afterwards), so an audit reads what the operator saw.
import { notApplicable, outcomeHeadline, type EngineEvent } from '../../engine/events.js';

const QUIET_ITEM_DETAILS = new Set(['acknowledged', 'committed']);

export function formatEvent(event: EngineEvent): string[] {
  switch (event.type) {
    case 'run.start':
      return [
        `novaops ${event.runbook} ${event.version} — run ${event.runId}${event.resumed ? ` (resumed, attempt ${event.attempt})` : ''}`,
        `  cloud ${event.cloud}, operator ${event.operator}@${event.host}, mode ${event.mode === 'dry-run' ? 'DRY-RUN (nothing will be changed)' : 'LIVE'}` +
          (event.scope ? `, test mode: ${event.scope.kind} ${[event.scope.name, event.scope.instance ?? event.scope.host ?? event.scope.volume ?? event.scope.ref].filter(Boolean).join(' ')}` : ''),
      ];
    case 'run.abandoned':
      return ['', `== ABANDONED by ${event.operator}@${event.host} (${event.by}): ${event.reason}`];
    case 'step.start':
      return [
        '',
        `== Step ${event.index}: ${event.title}${event.optional ? ' (optional)' : ''}`,
        ...event.warnings.map((w) => `  !! ${w}`),
      ];
    case 'step.not-applicable':
      return ['', `== Step ${event.index}: ${event.title} — ${notApplicable(event.condition)}`];
    case 'guard':
      return [
        `  guard "${event.name}": ${event.ok ? 'ok' : 'FAILED'} — ${event.detail}`,
        ...event.heldBack.map((h) => `    held back ${h.key}: ${h.reason}`),
      ];
    case 'op.planned': {
      const op = event.op;
      if (op.kind === 'sql') return [`  plan: SQL [${op.db}] ${op.sql}  -- params ${JSON.stringify(op.params)}`];
      if (op.kind === 'api') return [`  plan: ${op.command}    (${op.method} ${op.service} ${op.path}${op.body === undefined ? '' : ` ${JSON.stringify(op.body)}`})`];
      return [`  plan: [${op.host}] ${op.command}${op.always ? '    (always: runs even if the item failed)' : ''}`];
    }
    case 'op.start':
      return [];
    case 'op.output':
      return [];
    case 'op.end':
      if (event.item === null && event.ok) return [];
      return [
        `  ${event.ok ? 'ok  ' : 'FAIL'} ${event.opId}` +
          `${event.status !== undefined ? ` HTTP ${event.status}` : ''}${event.exitCode !== undefined ? ` exit ${event.exitCode}` : ''}` +
          `${event.rows !== undefined ? ` ${event.rows} row(s)` : ''} ${event.durationMs} ms${event.error ? ` — ${event.error}` : ''}`,
      ];
    case 'retry':
      return [`  retry ${event.opId} attempt ${event.attempt}/${event.maxAttempts} in ${formatMs(event.waitMs)} — ${event.failure}`];
    case 'answer-lost':
      return [`  LOST ${event.opId} "${event.summary}": ${event.error}; resolving by reading, not repeating`];
    case 'resolved':
      return [`  answer lost; ${event.detail}`];
    case 'item':
      if (event.status === 'done' && QUIET_ITEM_DETAILS.has(event.detail)) return [];
      return [`  ${event.status.toUpperCase().padEnd(7)} ${event.key}: ${event.detail}`];
    case 'confirm':
      return [`  confirm: ${event.question} -> ${event.answer ? 'yes' : 'no'} (${event.how})`];
    case 'note':
      return [`  ${event.level === 'warn' ? '!' : '·'} ${event.message}`];
    case 'step.end':
      return [`  -> ${event.outcome}: ${event.detail} (${formatMs(event.durationMs)})`];
    case 'run.end':
      return [
        '',
        `== ${outcomeHeadline(event.outcome, event.heldBack?.length ?? event.counts.held)}: ${event.summary}`,
        `  items: ${event.counts.done} done, ${event.counts.failed} failed, ${event.counts.held} held back, ${event.counts.skipped} already done; took ${formatMs(event.durationMs)}`,
        ...(Object.keys(event.apiRequests).length ? [`  API requests: ${formatCounts(event.apiRequests)}`] : []),
        ...(event.runDir
          ? [`  run directory: ${event.runDir}`, `  transcript: ${event.runDir}/transcript.jsonl`]
          : ['  no run directory was created: nothing was recorded or changed']),
      ];
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
}
