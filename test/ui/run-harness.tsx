// The run screen rendered by ink into an in-memory terminal of a chosen size (ink-testing-library
// fixes 100 columns): every frame kept, keys typed through a fake stdin in raw mode.
import { EventEmitter } from 'node:events';
import { render, type Instance } from 'ink';
import type { ReactElement } from 'react';
import { FakeStdin } from '../support/fake-stdin.js';

export { FakeStdin };

export class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string => this.frames[this.frames.length - 1] ?? '';
}

export interface Rendered {
  stdout: FakeStdout;
  /** Frames with text (ink also writes cursor escapes and an empty barrier at unmount), ANSI removed. */
  contentFrames(): string[];
  /** The last frame with text, ANSI removed. */
  screen(): string;
  stdin: FakeStdin;
  ink: Instance;
  frames: string[];
  lastFrame(): string;
  /** Types keys, one write each (as a terminal delivers them), letting ink handle each. */
  type(...keys: string[]): Promise<void>;
}

export function renderAt(tree: ReactElement, columns = 100, rows = 40, debug = true): Rendered {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const ink = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(columns, rows) as unknown as NodeJS.WriteStream,
    // debug: every frame is written whole (static lines included), as ink-testing-library does;
    // without it, ink writes to the fake terminal as to a real one (erase and redraw).
    debug,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdout,
    stdin,
    ink,
    frames: stdout.frames,
    lastFrame: stdout.lastFrame,
    contentFrames: () => stdout.frames.map(plain).filter((f) => f.trim() !== ''),
    screen: () => stdout.frames.map(plain).filter((f) => f.trim() !== '').pop() ?? '',
    async type(...keys) {
      for (const key of keys) {
        stdin.write(key);
        await tick();
      }
    },
  };
}

export const KEYS = { enter: '\r', escape: '\x1b', ctrlC: '\x03', backspace: '\x7f' };

export function tick(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds (frames arrive asynchronously: batches, ink's throttle). */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(25);
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
export function plain(text: string): string {
  return text.replace(ANSI, '');
}
