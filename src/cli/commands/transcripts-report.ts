// `novaops transcripts report <run-id>... [--html FILE]`: the post-mortem report, one
// self-contained HTML file; several runs side by side (a rehearsal beside the full run).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../engine/errors.js';
import { readRunRecord } from '../../engine/run-record.js';
import { checkRunId } from '../../engine/run-store.js';
import { reportModelOf } from '../report/model-of-record.js';
import { renderReportHtml } from '../report/render-html.js';
import { openConfigForState } from '../state-dir.js';

export function defaultReportPath(runIds: readonly string[]): string {
  return `novaops-report-${runIds.join('_')}.html`;
}

export async function reportTranscripts(runIds: readonly string[], flags: { html?: string }, configPath: string | undefined): Promise<string> {
  if (runIds.length === 0) throw new UsageError('name at least one run', 'novaops transcripts list shows the recorded runs');
  runIds.forEach((id) => checkRunId(id));
  if (new Set(runIds).size !== runIds.length) throw new UsageError(`a run is named twice: ${runIds.join(' ')}`, 'name each run once');
  if (flags.html !== undefined && !flags.html.trim()) throw new UsageError('--html needs a file name', 'e.g. --html report.html');
  const stateDir = await openConfigForState(configPath);
  const records = await Promise.all(runIds.map((id) => readRunRecord(stateDir, id)));
  const target = resolve(flags.html ?? defaultReportPath(runIds));
  // 0600 like the Markdown export: the commands name the cloud's instances and volumes.
  try {
    await writeFile(target, renderReportHtml(records.map((r) => reportModelOf(r))), { mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot write the report to ${target}: ${code}`, 'give --html a file in a directory that exists and that you can write');
  }
  for (const r of records) {
    if (r.damaged.length > 0) process.stderr.write(`novaops: ${r.transcriptPath}: ${r.damaged.length} line(s) are not events; the report shows the rest\n`);
  }
  process.stdout.write(`${target}\n`);
  return target;
}
