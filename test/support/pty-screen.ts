// The built CLI in a real pseudo-terminal, read the way an operator reads it: what the SCREEN shows
// now (a headless xterm applies every cursor move, erase and redraw), not the byte stream. The TUI
// redraws in place, so a stream search would find text that is no longer on screen.
import xterm from '@xterm/headless';
import { spawn, type IPty } from 'node-pty';
import { REPO } from './cli.js';
import { exitMarkWatcher, markedSpawn } from './pty-exit-mark.js';

export interface ScreenCli {
  pty: IPty;
  cols: number;
  rows: number;
  /** The visible screen, one string per row, trailing blanks trimmed. */
  lines(): string[];
  /** The visible screen as one text. */
  screen(): string;
  /** Every screen seen so far (one per batch of output), for checks that must hold on every frame. */
  frames(): string[];
  /** Waits until the screen shows `pattern` (checked after each batch of output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  send(keys: string): void;
  /**
   * Waits until nothing was drawn for `quietMs`, then types `keys`. ink attaches a screen's key
   * handler just after drawing it, so a key typed while it still redraws can be lost.
   */
  press(keys: string, quietMs?: number): Promise<void>;
  resize(cols: number, rows: number): void;
  exited: Promise<{ exitCode: number; signal?: number }>;
  kill(): void;
  /** Which of the terminal's screens is shown: the shell's (normal) or a full-screen program's (alternate). */
  activeBuffer(): 'normal' | 'alternate';
  /** Every line of one screen buffer (scrollback included), lines the terminal wrapped joined again, trailing blanks trimmed, trailing empty lines dropped. */
  buffer(which: 'normal' | 'alternate'): string[];
}

export interface ScreenOptions {
  /** Written to the terminal before novaops starts, as a shell's prompt and earlier output would be. */
  preface?: string;
}

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  backspace: '\x7f',
  ctrlC: '\x03',
} as const;

function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CI: _ci, ...rest } = env;
  return rest;
}

export function spawnScreen(args: string[], env: Record<string, string>, size: { cols: number; rows: number }, options: ScreenOptions = {}): ScreenCli {
  const term = new xterm.Terminal({ cols: size.cols, rows: size.rows, allowProposedApi: true, scrollback: 0 });
  if (options.preface) term.write(options.preface);
  // Under a shell that marks the end after the last byte (pty-exit-mark.ts).
  const [file, argv] = markedSpawn(args);
  const pty = spawn(file, argv, {
    name: 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd: REPO,
    // An operator's terminal: CI (set when the suite runs in CI) would make novaops print plain lines.
    env: { ...withoutCi(process.env), ...env, TERM: 'xterm-256color' } as Record<string, string>,
  });
  let cols = size.cols;
  let rows = size.rows;
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  let exit: { exitCode: number; signal?: number } | undefined;
  let lastOutputAt = performance.now();

  const lines = (): string[] => {
    const buffer = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < rows; i++) out.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
    return out;
  };
  const screen = () => lines().join('\n');

  let resolveExit: (e: { exitCode: number; signal?: number }) => void = () => undefined;
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => {
    resolveExit = resolve;
  });
  // xterm applies writes in order: an empty write's callback runs after every byte written before it.
  const settle = (e: { exitCode: number; signal?: number }) => {
    if (exit) return;
    term.write('', () => {
      exit = e;
      resolveExit(e);
      for (const wake of [...waiters]) wake();
      stopShell();
    });
  };
  // The wrapper shell waits in `cat` once novaops has ended: nothing more will come.
  const stopShell = () => {
    try {
      pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  const watchMark = exitMarkWatcher((exitCode) => settle({ exitCode }));
  pty.onData((data) => {
    lastOutputAt = performance.now();
    // The screen is read once xterm has applied the bytes, not before.
    term.write(data, () => {
      seen.push(screen());
      for (const wake of [...waiters]) wake();
    });
    watchMark(data);
  });
  // The shell itself ended (killed): what it left is all there will be.
  pty.onExit((e) => settle({ exitCode: e.exitCode, signal: e.signal }));

  return {
    pty,
    get cols() {
      return cols;
    },
    get rows() {
      return rows;
    },
    lines,
    screen,
    frames: () => [...seen],
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const text = screen();
          if (pattern.test(text)) {
            done();
            resolve(text);
          } else if (exit) {
            done();
            reject(new Error(`novaops exited (${JSON.stringify(exit)}) before the screen showed ${pattern}; the screen:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} on screen; the screen:\n${screen()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(keys) {
      pty.write(keys);
    },
    async press(keys, quietMs = 150) {
      // A screen with a spinner is never quiet: after 2 s the keys go anyway.
      const deadline = performance.now() + 2_000;
      while (performance.now() - lastOutputAt < quietMs && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      pty.write(keys);
    },
    resize(c, r) {
      cols = c;
      rows = r;
      term.resize(c, r);
      pty.resize(c, r);
    },
    exited,
    activeBuffer: () => (term.buffer.active.type === 'alternate' ? 'alternate' : 'normal'),
    buffer(which) {
      const buffer = which === 'alternate' ? term.buffer.alternate : term.buffer.normal;
      const out: string[] = [];
      for (let i = 0; i < buffer.length; i++) {
        const line = buffer.getLine(i);
        const text = line?.translateToString(true) ?? '';
        if (line?.isWrapped && out.length > 0) out[out.length - 1] = out[out.length - 1].padEnd(cols) + text;
        else out.push(text);
      }
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      return out;
    },
    kill() {
      stopShell();
    },
  };
}
