// How a pty test knows the CLI ended with all its output read. node-pty reports a process's exit
// and destroys the pty 200 ms later, unread bytes and all: on a busy machine the last lines were
// lost. So the CLI runs under a shell that, once it ends, writes its exit status as an escape
// sequence no terminal draws (OSC 777), then keeps the pty open until the test closes it. The mark
// comes after every byte the CLI wrote: once it is read, the output is complete.
import { BIN } from './cli.js';

const MARK = /\x1b\]777;novaops-exit;(\d+)\x07/;

/** The file and arguments to hand node-pty's spawn for `novaops ARGS`. */
export function markedSpawn(args: readonly string[]): [string, string[]] {
  // `trap : INT`: a Ctrl-C that reaches the process group as a signal is the CLI's to handle; the
  // shell runs the trap only after its foreground command, so it waits and the CLI keeps the default.
  const script = `trap : INT; "$0" "$@"; s=$?; printf '\\033]777;novaops-exit;%s\\007' "$s"; exec cat >/dev/null`;
  return ['/bin/sh', ['-c', script, process.execPath, BIN, ...args]];
}

/** Watches the output for the mark; `onEnd` gets the CLI's exit status once. */
export function exitMarkWatcher(onEnd: (exitCode: number) => void): (data: string) => void {
  let tail = '';
  let seen = false;
  return (data) => {
    if (seen) return;
    // The mark may come split across two reads.
    tail = (tail + data).slice(-64);
    const m = MARK.exec(tail);
    if (m) {
      seen = true;
      onEnd(Number(m[1]));
    }
  };
}
