// `novaops transcripts list|show`: the recorded runs, rendered the way the operator saw them.
// A damaged run directory never hides the others: it is listed, flagged, and the exit code says so.
import { join } from 'node:path';
import { ExitCode, UsageError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/events.js';
import { describeScope, describeStatus } from '../../engine/run-state.js';
import { readRunRecord } from '../../engine/run-record.js';
import { checkRunId, runsDir, scanRuns } from '../../engine/run-store.js';
import { damagedTranscript, readTranscriptFile, TRANSCRIPT_FILE } from '../../engine/transcript.js';
import { describeError } from '../fail.js';
import { showValue } from '../../values/show-value.js';
import { openConfigForState } from '../state-dir.js';
import { renderMarkdown } from '../presenters/markdown.js';
import { formatEvent } from '../presenters/format-event.js';

/** Damaged run directories named in the one-line summary; the rest are counted. */
const DAMAGED_NAMED = 3;

export async function listTranscripts(configPath: string | undefined): Promise<void> {
  const stateDir = await openConfigForState(configPath);
  const { runs, damaged } = await scanRuns(stateDir);
  if (runs.length === 0 && damaged.length === 0) {
    process.stdout.write(`no recorded runs in ${runsDir(stateDir)}\n`);
    return;
  }
  const lines = [
    ...runs.map((run) => ({
      id: run.runId,
      text: `${run.runId}  ${run.runbook.padEnd(13)} ${run.mode.padEnd(7)} ${describeStatus(run.status, run.heldBack?.length).padEnd(9)} ${run.operator}@${run.host}${run.scope.kind === 'instance' ? `  test ${describeScope(run.scope)}` : ''}`,
    })),
    ...damaged.map((d) => ({ id: d.runId, text: `${d.runId}  DAMAGED: ${d.problem}` })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  process.stdout.write(`${lines.map((l) => l.text).join('\n')}\n`);
  if (damaged.length > 0) {
    process.stderr.write(
      // The list above names each one; the summary stays one short line however many there are.
      `novaops: ${damaged.length} run director${damaged.length === 1 ? 'y is' : 'ies are'} damaged: ${damaged
        .slice(0, DAMAGED_NAMED)
        .map((d) => `${d.runId} (${showValue(d.problem, 60)})`)
        .join('; ')}${damaged.length > DAMAGED_NAMED ? `; and ${damaged.length - DAMAGED_NAMED} more (marked DAMAGED above)` : ''} in ${runsDir(stateDir)}\n` +
        `  what to do: restore its state.json from a copy, or move the directory out of ${runsDir(stateDir)} (keep it for the post-mortem)\n`,
    );
    process.exitCode = ExitCode.usage;
  }
}

export async function showTranscript(runId: string, flags: { markdown?: boolean }, configPath: string | undefined): Promise<void> {
  checkRunId(runId);
  const stateDir = await openConfigForState(configPath);
  const path = join(runsDir(stateDir), runId, TRANSCRIPT_FILE);
  let read: { events: EngineEvent[]; damaged: { line: number; problem: string }[] };
  try {
    read = await readTranscriptFile(path);
  } catch {
    throw new UsageError(`no transcript for run '${runId}' (${path})`, 'novaops transcripts list shows the recorded runs');
  }
  // What can be read is shown (it is the post-mortem's material); the damage is named after it.
  const artifacts = flags.markdown ? (await readRunRecord(stateDir, runId)).artifacts : [];
  process.stdout.write(flags.markdown ? renderMarkdown(runId, read.events, artifacts) : `${read.events.flatMap((e) => formatEvent(e)).join('\n')}\n`);
  if (read.damaged.length > 0) {
    process.stderr.write(`${describeError(damagedTranscript(path, read.damaged))}\n`);
    process.exitCode = ExitCode.usage;
  }
}

/** The run screen fed the recorded events on a terminal; the formatted transcript anywhere else. */
export async function replayTranscript(runId: string, flags: { speed: string }, configPath: string | undefined): Promise<void> {
  checkRunId(runId);
  const { parseReplaySpeed } = await import('../../ui/session/replay-speed.js');
  const speed = parseReplaySpeed(flags.speed);
  if (speed === undefined) throw new UsageError(`--speed ${showValue(flags.speed)}: give 1, 10 or instant`);
  const { isInteractiveTerminal } = await import('../terminal.js');
  if (!isInteractiveTerminal()) return showTranscript(runId, {}, configPath);
  await (await import('./session.js')).sessionCommand(configPath, { replay: { runId, speed } });
}
