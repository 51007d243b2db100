// `novaops transcripts list|show`: the recorded runs, rendered the way the operator saw them.
import { join } from 'node:path';
import { UsageError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/events.js';
import { listRuns, runsDir } from '../../engine/run-store.js';
import { readTranscript, TRANSCRIPT_FILE } from '../../engine/transcript.js';
import { openConfigForState } from '../state-dir.js';
import { formatEvent } from '../presenters/format-event.js';

export async function listTranscripts(configPath: string | undefined): Promise<void> {
  const stateDir = await openConfigForState(configPath);
  const runs = await listRuns(stateDir);
  if (runs.length === 0) {
    process.stdout.write(`no recorded runs in ${runsDir(stateDir)}\n`);
    return;
  }
  for (const run of runs) {
    const scope = run.scope ? ` test-instance ${run.scope.name ?? run.scope.uuid}` : '';
    process.stdout.write(`${run.runId}  ${run.runbook.padEnd(13)} ${run.mode.padEnd(7)} ${run.status.padEnd(9)} ${run.operator}@${run.host}${scope}\n`);
  }
}

export async function showTranscript(runId: string, flags: { markdown?: boolean }, configPath: string | undefined): Promise<void> {
  const stateDir = await openConfigForState(configPath);
  const path = join(runsDir(stateDir), runId, TRANSCRIPT_FILE);
  let events: EngineEvent[];
  try {
    events = await readTranscript(path);
  } catch {
    throw new UsageError(`no transcript for run '${runId}' (${path})`, 'novaops transcripts list shows the recorded runs');
  }
  process.stdout.write(flags.markdown ? renderMarkdown(runId, events) : renderText(events));
}

function renderText(events: EngineEvent[]): string {
  return `${events.flatMap((e) => formatEvent(e)).join('\n')}\n`;
}

function renderMarkdown(runId: string, events: EngineEvent[]): string {
  const out = [`# novaops run ${runId}`, ''];
  for (const event of events) {
    const lines = formatEvent(event).filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    if (event.type === 'step.start') {
      out.push('', `## ${lines[0].replace(/^== /, '')}`, '', ...lines.slice(1).map((l) => `> ${l.trim()}`));
    } else if (event.type === 'run.end') {
      out.push('', `## Result`, '', ...lines.map((l) => `- ${l.replace(/^== /, '').trim()}`));
    } else {
      out.push(...lines.map((l) => `- \`${l.trim().replace(/`/g, "'")}\``));
    }
  }
  return `${out.join('\n')}\n`;
}
