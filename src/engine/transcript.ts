// transcript.jsonl: one event a line, append-only, redacted before it is written. Only the
// process holding the run's lock opens it for writing (invariant 14).
import { readIfExists } from '../effects/files/durable-write.js';
import { SyncAppender } from '../effects/files/journal.js';
import { DamagedRunError, EngineRuleError } from './errors.js';
import type { EngineEvent } from './events.js';
import type { Redactor } from './redact.js';

export const TRANSCRIPT_FILE = 'transcript.jsonl';

export class TranscriptWriter {
  private readonly appender: SyncAppender;

  constructor(
    store: { transcriptPath: string; writable: boolean },
    private readonly redactor: Redactor,
  ) {
    if (!store.writable) throw new EngineRuleError(`refused to open ${store.transcriptPath} for writing: this process does not hold the run's lock`);
    this.appender = new SyncAppender(store.transcriptPath);
  }

  write(event: EngineEvent): void {
    this.appender.append(this.redactor.eventLine(event));
  }

  close(): void {
    this.appender.close();
  }
}

export interface DamagedLine {
  line: number;
  problem: string;
}

/** Every event of a transcript, and the lines that are not events (a torn last line is not damage). */
export async function readTranscriptFile(path: string): Promise<{ events: EngineEvent[]; damaged: DamagedLine[] }> {
  const text = await readIfExists(path);
  if (text === undefined) throw new Error(`no transcript at ${path}`);
  const events: EngineEvent[] = [];
  const damaged: DamagedLine[] = [];
  const lines = text.split('\n');
  const lastIndex = lines.reduce((last, l, i) => (l.trim() ? i : last), -1);
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      // A run killed mid-write can leave a torn last line; everything before it still counts.
      if (index !== lastIndex) damaged.push({ line: index + 1, problem: 'not JSON' });
      return;
    }
    const problem = eventProblem(doc);
    if (problem) damaged.push({ line: index + 1, problem });
    else events.push(doc as EngineEvent);
  });
  return { events, damaged };
}

/** The events of a transcript that must be whole (a resume continues its numbering). */
export async function readTranscript(path: string): Promise<EngineEvent[]> {
  const { events, damaged } = await readTranscriptFile(path);
  if (damaged.length > 0) throw damagedTranscript(path, damaged);
  return events;
}

export function damagedTranscript(path: string, damaged: readonly DamagedLine[]): DamagedRunError {
  const lines = damaged.slice(0, 5).map((d) => `line ${d.line} ${d.problem}`).join('; ');
  return new DamagedRunError(
    `${path} is damaged: ${damaged.length} line(s) are not events (${lines}${damaged.length > 5 ? '; …' : ''})`,
    'every line must be one JSON event object; restore the file from a copy, or remove those lines (keep the original for the post-mortem)',
  );
}

function eventProblem(doc: unknown): string | undefined {
  if (doc === null) return 'is null';
  if (Array.isArray(doc)) return 'is an array';
  if (typeof doc !== 'object') return `is a ${typeof doc}`;
  const e = doc as { type?: unknown; seq?: unknown };
  if (typeof e.type !== 'string') return 'has no event type';
  if (typeof e.seq !== 'number' || !Number.isFinite(e.seq)) return 'has no sequence number';
  return undefined;
}

/** The highest seq in a transcript, so a resumed run continues the numbering. */
export function lastSeq(events: readonly EngineEvent[]): number {
  return events.reduce((max, e) => Math.max(max, e.seq), 0);
}
