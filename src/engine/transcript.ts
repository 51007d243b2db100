// transcript.jsonl: one event a line, append-only, redacted before it is written.
import { readIfExists } from '../effects/files/durable-write.js';
import { SyncAppender } from '../effects/files/journal.js';
import type { EngineEvent } from './events.js';
import type { Redactor } from './redact.js';

export const TRANSCRIPT_FILE = 'transcript.jsonl';

export class TranscriptWriter {
  private readonly appender: SyncAppender;

  constructor(
    path: string,
    private readonly redactor: Redactor,
  ) {
    this.appender = new SyncAppender(path);
  }

  write(event: EngineEvent): void {
    this.appender.append(this.redactor.redact(JSON.stringify(event)));
  }

  close(): void {
    this.appender.close();
  }
}

export async function readTranscript(path: string): Promise<EngineEvent[]> {
  const text = await readIfExists(path);
  if (text === undefined) throw new Error(`no transcript at ${path}`);
  const events: EngineEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as EngineEvent);
    } catch {
      // A run killed mid-write can leave a torn last line; everything before it still counts.
    }
  }
  return events;
}

/** The highest seq in a transcript, so a resumed run continues the numbering. */
export function lastSeq(events: readonly EngineEvent[]): number {
  return events.reduce((max, e) => Math.max(max, e.seq), 0);
}
