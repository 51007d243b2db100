// The built CLI (`node bin/novaops ...`) in a real pseudo-terminal (node-pty): what an operator at
// a terminal sees and types. Output is collected as it comes; `expect` waits for a pattern after
// a cursor (so an old prompt is never answered twice), `send` types keys, `exited` is the end.
import { spawn, type IPty } from 'node-pty';
import { REPO } from './cli.js';
import { markedSpawn, exitMarkWatcher } from './pty-exit-mark.js';

export interface PtyExit {
  exitCode: number;
  signal?: number;
}

export interface PtyCli {
  pty: IPty;
  /** Everything the terminal received, ANSI escapes removed. */
  output(): string;
  /** Waits for `pattern` in the output after the cursor; moves the cursor past the match. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Waits for the first of several patterns (or the exit); returns which one matched. */
  expectOneOf(patterns: RegExp[], timeoutMs?: number): Promise<{ index: number; match: RegExpExecArray } | { exit: PtyExit }>;
  send(keys: string): void;
  exited: Promise<PtyExit>;
  /** Kills the process if it still runs (cleanup after a failed expectation). */
  kill(): void;
}

// CSI ... final byte, OSC ... BEL/ST, and the two-byte escapes (charset selection, keypad modes).
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '').replace(/\r/g, '');
}

export function spawnCliInPty(args: string[], env: Record<string, string>, opts: { cols?: number; rows?: number } = {}): PtyCli {
  // Under a shell that marks the end after the last byte (pty-exit-mark.ts).
  const [file, argv] = markedSpawn(args);
  const pty = spawn(file, argv, {
    name: 'xterm-256color',
    // Wide enough that a long confirmation question is never wrapped by the prompt library.
    cols: opts.cols ?? 400,
    rows: opts.rows ?? 60,
    cwd: REPO,
    env: { ...process.env, ...env, TERM: 'xterm-256color' } as Record<string, string>,
  });
  let raw = '';
  let cursor = 0;
  let exit: PtyExit | undefined;
  /** Set once the exit is reported and the last output had its chance to arrive. */
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let resolveExit: (e: PtyExit) => void = () => undefined;
  const exited = new Promise<PtyExit>((resolve) => {
    resolveExit = resolve;
  });
  const end = (e: PtyExit) => {
    if (exit) return;
    exit = e;
    ended = true;
    resolveExit(e);
    wake();
    stopShell();
  };
  const stopShell = () => {
    try {
      pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  const watchMark = exitMarkWatcher((exitCode) => end({ exitCode }));
  pty.onData((d) => {
    raw += d;
    watchMark(d);
    wake();
  });
  // The shell itself ended (killed): what it left is all there will be.
  pty.onExit((e) => end({ exitCode: e.exitCode, signal: e.signal }));
  const output = () => stripAnsi(raw);

  function expectOneOf(patterns: RegExp[], timeoutMs = 30_000): Promise<{ index: number; match: RegExpExecArray } | { exit: PtyExit }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const text = output().slice(cursor);
        for (const [index, pattern] of patterns.entries()) {
          const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
          if (match) {
            cursor += match.index + match[0].length;
            done();
            resolve({ index, match });
            return;
          }
        }
        if (ended && exit) {
          done();
          resolve({ exit });
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${patterns.map(String).join(' or ')}; output after the cursor:\n${output().slice(cursor)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    pty,
    output,
    async expect(pattern, timeoutMs) {
      const r = await expectOneOf([pattern], timeoutMs);
      if ('exit' in r) {
        throw new Error(`the CLI exited (${JSON.stringify(r.exit)}) before ${pattern} appeared; output after the cursor:\n${output().slice(cursor)}`);
      }
      return r.match;
    },
    expectOneOf,
    send(keys) {
      pty.write(keys);
    },
    exited,
    kill() {
      stopShell();
    },
  };
}
