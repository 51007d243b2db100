// The command log: every operation's exact command line (`openstack ...`, the SQL, `iscsiadm ...`)
// as it runs, with how it ended. Fed from op.planned/op.start/op.end in O(1) per event and bounded:
// a 1,000-instance run keeps its last COMMANDS_KEPT commands (the transcript has them all).
import type { EngineEvent } from '../../engine/events.js';

export const COMMANDS_KEPT = 5_000;

export interface CommandEntry {
  /** Position in the run (1 = the first command), counting those no longer kept. */
  n: number;
  opId: string;
  step: string;
  item: string | null;
  /** The shell host (`[compute1] iscsiadm ...`), when the operation runs on one. */
  host: string | null;
  command: string;
  mutating: boolean;
  status: 'running' | 'ok' | 'failed';
  /** HTTP status or exit code, when the operation had one. */
  httpStatus?: number;
  exitCode?: number;
  durationMs?: number;
  error?: string;
  /** Bumped on each change: the view caches an entry's lines by it. */
  version: number;
}

/** What the screen reads: a window over the kept commands, without copying them. */
export interface CommandLogReader {
  readonly size: number;
  /** Commands seen since the run began (kept or not). */
  readonly total: number;
  at(index: number): CommandEntry | undefined;
}

export class CommandLog implements CommandLogReader {
  private entries: CommandEntry[] = [];
  private first = 0;
  private readonly open = new Map<string, CommandEntry>();
  /** Shell operations' hosts by opId, from op.planned (op.start does not repeat it). */
  private readonly hosts = new Map<string, string>();
  private count = 0;

  constructor(private readonly keep = COMMANDS_KEPT) {}

  get size(): number {
    return this.entries.length - this.first;
  }

  get total(): number {
    return this.count;
  }

  at(index: number): CommandEntry | undefined {
    return index >= 0 && index < this.size ? this.entries[this.first + index] : undefined;
  }

  /** Applies an operation event; other events are ignored. Returns whether the log changed. */
  apply(event: EngineEvent, redact: (text: string) => string): boolean {
    switch (event.type) {
      case 'op.planned':
        if (event.op.kind === 'shell' && event.op.host) {
          this.hosts.set(event.opId, event.op.host);
          // A dry-run plans thousands it never starts: the oldest go first.
          if (this.hosts.size > this.keep) this.hosts.delete(this.hosts.keys().next().value!);
        }
        return false;
      case 'op.start': {
        const entry: CommandEntry = {
          n: ++this.count,
          opId: event.opId,
          step: event.step,
          item: event.item,
          host: this.hosts.get(event.opId) ?? null,
          command: redact(event.command),
          mutating: event.mutating,
          status: 'running',
          version: 0,
        };
        this.hosts.delete(event.opId);
        this.open.set(event.opId, entry);
        this.entries.push(entry);
        this.trim();
        return true;
      }
      case 'op.end': {
        const entry = this.open.get(event.opId);
        if (!entry) return false;
        this.open.delete(event.opId);
        Object.assign(entry, {
          status: event.ok ? 'ok' : 'failed',
          httpStatus: event.status,
          exitCode: event.exitCode,
          durationMs: event.durationMs,
          error: event.error === undefined ? undefined : redact(event.error),
          version: entry.version + 1,
        });
        return true;
      }
      case 'run.start':
        // A resumed attempt's operations start afresh; what the earlier one left running never ends.
        for (const entry of this.open.values()) entry.version += 1;
        this.open.clear();
        return false;
      default:
        return false;
    }
  }

  private trim(): void {
    if (this.size <= this.keep) return;
    const dropped = this.entries[this.first];
    if (dropped && this.open.get(dropped.opId) === dropped) this.open.delete(dropped.opId);
    this.first += 1;
    // Compact now and then: amortised O(1), and the array never holds more than twice what is kept.
    if (this.first >= this.keep) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }
}
