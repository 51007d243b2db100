// Runs a program file with node as a subprocess, from a directory of the test's choosing (the
// installed or copied CLI, away from the checkout and its node_modules).
import { spawn } from 'node:child_process';
import type { CliResult } from './cli.js';

export function runFile(file: string, args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  const child = spawn(process.execPath, [file, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
