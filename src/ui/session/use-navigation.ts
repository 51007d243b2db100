import { useCallback, useState } from 'react';
import type { ReplaySpeed } from './replay-speed.js';
import type { RunOrder } from './run-host.js';

export type Screen =
  | { name: 'home' }
  | { name: 'runbook'; id: string }
  | { name: 'run'; order: RunOrder }
  | { name: 'transcripts' }
  | { name: 'transcript'; runId: string }
  | { name: 'replay'; runId: string; speed: ReplaySpeed };

/** Screens that print lines above their live area (a run's log): leaving one clears the terminal. */
const PRINTS_ABOVE: ReadonlySet<Screen['name']> = new Set(['run', 'replay']);

/**
 * A stack of screens: esc goes back to where the operator came from. `clear` is called before
 * leaving a screen that printed above its live area, so the next screen starts on a clean terminal.
 */
export function useNavigation(initial: readonly Screen[], clear?: () => void) {
  const [stack, setStack] = useState<readonly Screen[]>(initial.length ? initial : [{ name: 'home' }]);
  const top = stack[stack.length - 1];
  const leaving = useCallback(() => {
    if (clear && PRINTS_ABOVE.has(top.name)) clear();
  }, [clear, top]);
  const push = useCallback((screen: Screen) => setStack((s) => [...s, screen]), []);
  const back = useCallback(() => {
    leaving();
    setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
  }, [leaving]);
  const home = useCallback(() => {
    leaving();
    setStack((s) => [s[0]?.name === 'home' ? s[0] : { name: 'home' }]);
  }, [leaving]);
  return { screen: top, depth: stack.length, push, back, home };
}
