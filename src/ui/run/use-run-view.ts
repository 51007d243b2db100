import { useSyncExternalStore } from 'react';
import type { RunView, UiRun } from './ui-run.js';

/** The latest snapshot of the run; re-renders once per batch of events, not per event. */
export function useRunView(run: UiRun): RunView {
  return useSyncExternalStore(run.subscribe, run.view, run.view);
}
