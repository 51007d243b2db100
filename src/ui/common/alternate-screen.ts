// The terminal's alternate screen (DEC private mode 1049), as full-screen programs use it (less,
// vim, k9s): the TUI draws there, and on the way out, however the way out goes (quit, Ctrl-C, an
// exception, SIGTERM), the shell's screen comes back exactly as it was, with nothing of the TUI.

const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?1049l';

export interface AlternateScreen {
  /** Back to the normal screen; once only, later calls do nothing. */
  leave(): void;
}

export interface AlternateScreenOptions {
  /**
   * Runs just before leaving on an exit the caller did not ask for (SIGTERM, an exception, a
   * process.exit): ink unmounts there, so its last frame lands on the alternate screen, not on the
   * shell's.
   */
  beforeLeave?: () => void;
  /** The process to watch; tests pass their own emitter. */
  proc?: NodeJS.Process;
}

/** Switches `stdout` to the alternate screen when it is a terminal; a pipe is left alone. */
export function enterAlternateScreen(stdout: NodeJS.WriteStream, options: AlternateScreenOptions = {}): AlternateScreen {
  if (!stdout.isTTY) return { leave: () => undefined };
  const proc = options.proc ?? process;
  let inside = true;
  const leave = () => {
    if (!inside) return;
    inside = false;
    proc.off('exit', onExit);
    proc.off('SIGTERM', onTerm);
    proc.off('uncaughtExceptionMonitor', onCrash);
    // A terminal write is synchronous, so this reaches the terminal even from an 'exit' listener.
    stdout.write(LEAVE);
  };
  const unexpected = () => {
    try {
      options.beforeLeave?.();
    } finally {
      leave();
    }
  };
  const onExit = () => unexpected();
  // Without a listener Node dies on SIGTERM at once, with the terminal still switched.
  const onTerm = () => {
    unexpected();
    proc.exit(143);
  };
  // Fires before Node prints the exception: the message then lands on the shell's screen.
  const onCrash = () => unexpected();
  proc.on('exit', onExit);
  proc.on('SIGTERM', onTerm);
  proc.on('uncaughtExceptionMonitor', onCrash);
  // Home and clear: some terminals keep what an earlier program left on their alternate screen.
  stdout.write(`${ENTER}\x1b[H\x1b[2J`);
  return { leave };
}

/** Clears the alternate screen: what a closed screen printed above the live area goes with it. */
export function clearScreen(stdout: NodeJS.WriteStream): void {
  if (stdout.isTTY) stdout.write('\x1b[H\x1b[2J');
}
