// Append-only files of a run. Two kinds with two promises:
// - the transcript: every event, appended with a synchronous write so that a SIGKILL loses
//   nothing already emitted (the kernel has it), without an fsync per event;
// - the item journal: "this reboot was started / acknowledged". A record must be on disk before
//   the caller goes on, so appends are fsync'd; concurrent appends share one fsync (group
//   commit), which keeps a 2,000-attach step from paying 4,000 sequential fsyncs.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export class SyncAppender {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a+', 0o600);
    // A run killed mid-line leaves a torn last line; start the next one on a line of its own.
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeSync(this.fd, '\n');
    }
  }

  append(line: string): void {
    if (this.fd === null) throw new Error(`${this.path} is closed`);
    writeSync(this.fd, line.endsWith('\n') ? line : `${line}\n`);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class DurableJournal {
  // Opened on the first append: a journal that was only read must not create or touch the file.
  private handle: Promise<FileHandle> | null = null;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(readonly path: string) {}

  /** Resolves once the line is on disk. */
  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: line.endsWith('\n') ? line : `${line}\n`, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.handle ??= open(this.path, 'a', 0o600);
    let fh: FileHandle;
    try {
      fh = await this.handle;
    } catch (error) {
      this.handle = null;
      for (const p of this.queue.splice(0)) p.reject(error);
      this.flushing = null;
      return;
    }
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await fh.write(batch.map((p) => p.line).join(''));
        await fh.datasync();
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.flushing = null;
  }

  async close(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.handle) await (await this.handle).close();
    this.handle = null;
  }
}
