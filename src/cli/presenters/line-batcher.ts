// A run's plain or --json lines: one or more an event, thousands of them in a bulk step. On Linux every
// process.stdout.write to a pipe or file is its own synchronous write(2), and each one wakes the
// reader: the lines written in one turn of the event loop go out as one write instead. Lines are
// held for that turn only, and whatever is pending is written before the process exits.
export interface LineBatcher {
  write(text: string): void;
  /** Writes what is pending now (the run is over, or the process is exiting). */
  flush(): void;
  /** Flushes and stops watching for the process's exit. */
  close(): void;
}

/** immediate: write each line as it comes (a terminal where a question may follow them). */
export function batchLines(out: (text: string) => void, options: { immediate?: boolean } = {}): LineBatcher {
  if (options.immediate) return { write: out, flush: () => undefined, close: () => undefined };
  let pending: string[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    out(text);
  };
  // A process.exit() elsewhere (a second Ctrl-C) must not swallow the lines of its last turn.
  process.on('exit', flush);
  return {
    write(text) {
      pending.push(text);
      scheduled ??= setImmediate(flush);
    },
    flush,
    close() {
      flush();
      process.off('exit', flush);
    },
  };
}
