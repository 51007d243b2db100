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

/** A stack of screens: esc goes back to where the operator came from. */
export function useNavigation(initial: readonly Screen[]) {
  const [stack, setStack] = useState<readonly Screen[]>(initial.length ? initial : [{ name: 'home' }]);
  const push = useCallback((screen: Screen) => setStack((s) => [...s, screen]), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const home = useCallback(() => setStack((s) => [s[0]?.name === 'home' ? s[0] : { name: 'home' }]), []);
  return { screen: stack[stack.length - 1], depth: stack.length, push, back, home };
}
