import { useInput } from 'ink';
import type { UiRun } from './ui-run.js';

/**
 * Ctrl-C at any time (ink in raw mode hands it over as input); q, Esc or Enter once the run ended,
 * unless `closeKeys` is off (another view of the screen, the command log, has them then).
 */
export function useRunKeys(run: UiRun, ended: boolean, onExit: () => void, closeKeys = true): void {
  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      if (ended) onExit();
      else run.interrupt();
      return;
    }
    if (ended && closeKeys && (input === 'q' || key.escape || key.return)) onExit();
  });
}
