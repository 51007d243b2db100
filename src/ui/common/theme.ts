// Colour is a hint, never the only signal: every state also has a word. NO_COLOR and TERM=dumb
// drop the hints (chalk alone ignores NO_COLOR).
export type Tone = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'magenta' | 'blue';

export function colorsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

/** The colour to pass to ink's `color`, or undefined when colours are off. */
export function tone(name: Tone): Tone | undefined {
  return colorsEnabled() ? name : undefined;
}
