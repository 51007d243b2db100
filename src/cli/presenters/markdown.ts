// A transcript as a Markdown report, for the post-mortem. It carries what the operator saw,
// never the run's artifacts: row backups and rollback scripts can hold connection_info secrets
// (CHAP passwords) and stay in the run directory, mode 0600.
import type { EngineEvent } from '../../engine/events.js';
import { formatEvent } from './format-event.js';

export function renderMarkdown(runId: string, events: readonly EngineEvent[]): string {
  const out = [`# novaops run ${runId}`, ''];
  for (const event of events) {
    const lines = formatEvent(event).filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    if (event.type === 'step.start' || event.type === 'step.not-applicable') {
      out.push('', `## ${lines[0].replace(/^== /, '')}`, '', ...lines.slice(1).map((l) => `> ${l.trim()}`));
    } else if (event.type === 'run.end' || event.type === 'run.abandoned') {
      out.push('', event.type === 'run.end' ? '## Result' : '## Abandoned', '', ...lines.map((l) => `- ${l.replace(/^== /, '').trim()}`));
    } else {
      out.push(...lines.map((l) => `- \`${l.trim().replace(/`/g, "'")}\``));
    }
  }
  return `${out.join('\n')}\n`;
}
