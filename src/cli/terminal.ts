// Whether the TUI may draw, and the environment it draws in. Pipes, CI logs and TERM=dumb get the
// plain presenter (DESIGN.md 5b: never drawn when stdout is not a TTY).

/** A CI that is merely present but empty, 0 or false is no CI: an operator's shell may export it so. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && !/^(|0|false)$/i.test(env.CI);
}

export function isInteractiveTerminal(
  env: NodeJS.ProcessEnv = process.env,
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): boolean {
  if (!stdin.isTTY || !stdout.isTTY) return false;
  if (env.TERM === 'dumb') return false;
  return !inCi(env);
}

/**
 * Called before react and ink are first imported: they read the environment once, when they load.
 * React's production build (the development one checks every render, several times the cost);
 * NO_COLOR as chalk understands it (FORCE_COLOR=0; chalk ignores NO_COLOR); and no CI variable that
 * merely is present, which ink (is-in-ci) would take for a CI log and draw only the last frame of.
 */
export function prepareForInk(env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_ENV ??= 'production';
  if (env.NO_COLOR) env.FORCE_COLOR = '0';
  if (env.CI !== undefined && !inCi(env)) delete env.CI;
}
