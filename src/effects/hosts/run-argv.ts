// Runs one argv through zx: arguments are passed as an array, so zx quotes every one of them;
// nothing is ever concatenated into a shell string. Non-zero exits are results, not exceptions.
import { $ } from 'zx';
import { HOST_TIMEOUT_EXIT } from '../retry-policy.js';
import type { ShellResult } from '../types.js';

/** What timeout(1) reports; the process was killed because it outlived its time. */
export const timeoutExitCode = HOST_TIMEOUT_EXIT;

export async function runArgv(
  argv: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ShellResult> {
  if (argv.length === 0) throw new Error('empty command');
  const started = performance.now();
  const out = await $({
    env: opts.env ?? process.env,
    nothrow: true,
    quiet: true,
    verbose: false,
    // No terminal input: a prompting command (ssh asking for a password) must fail, not hang.
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs,
    timeoutSignal: 'SIGKILL',
  })`${[...argv]}`;
  const durationMs = Math.round(performance.now() - started);
  const timedOut = out.exitCode === null && out.signal !== null && opts.timeoutMs !== undefined && durationMs >= opts.timeoutMs;
  return {
    exitCode: out.exitCode ?? (timedOut ? timeoutExitCode : 128 + signalNumber(out.signal)),
    stdout: out.stdout,
    stderr: timedOut ? `${out.stderr}${out.stderr.endsWith('\n') || !out.stderr ? '' : '\n'}novaops: killed after ${opts.timeoutMs} ms\n` : out.stderr,
    durationMs,
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && table[signal]) ?? 0;
}
