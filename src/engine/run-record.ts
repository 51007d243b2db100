// A recorded run as the post-mortem reads it: its transcript and the names of its artifacts.
// Artifacts are listed, never opened: row backups and rollback scripts hold connection_info
// secrets (CHAP), which only the run directory keeps (0600).
import { join } from 'node:path';
import { listNames } from '../effects/files/local-files.js';
import { UsageError } from './errors.js';
import type { EngineEvent } from './events.js';
import { checkRunId, runsDir } from './run-store.js';
import { readTranscriptFile, TRANSCRIPT_FILE, type DamagedLine } from './transcript.js';

export interface RunArtifact {
  name: string;
  path: string;
}

export interface RunRecord {
  runId: string;
  dir: string;
  transcriptPath: string;
  events: EngineEvent[];
  /** Lines of the transcript that are not events: what can be read is still reported. */
  damaged: DamagedLine[];
  artifacts: RunArtifact[];
}

export async function readRunRecord(stateDir: string, runId: string): Promise<RunRecord> {
  checkRunId(runId);
  const dir = join(runsDir(stateDir), runId);
  const transcriptPath = join(dir, TRANSCRIPT_FILE);
  let read: { events: EngineEvent[]; damaged: DamagedLine[] };
  try {
    read = await readTranscriptFile(transcriptPath);
  } catch {
    throw new UsageError(`no transcript for run '${runId}' (${transcriptPath})`, 'novaops transcripts list shows the recorded runs');
  }
  const artifactsDir = join(dir, 'artifacts');
  const names = (await listNames(artifactsDir)).filter((n) => !n.startsWith('.')).sort();
  return { runId, dir, transcriptPath, ...read, artifacts: names.map((name) => ({ name, path: join(artifactsDir, name) })) };
}
