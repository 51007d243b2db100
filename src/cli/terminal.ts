// Whether the TUI may draw: an operator at a real terminal. Pipes, CI logs and TERM=dumb get
// the plain presenter (DESIGN.md 5b: never drawn when stdout is not a TTY).
export function isInteractiveTerminal(
  env: NodeJS.ProcessEnv = process.env,
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  if (!stdin.isTTY || !stdout.isTTY) return false;
  if (env.TERM === 'dumb') return false;
  const ci = env.CI;
  return ci === undefined || ci === '' || ci === '0' || ci.toLowerCase() === 'false';
}
