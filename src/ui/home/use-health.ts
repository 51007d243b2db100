import type { HealthLine, SessionServices } from '../session/services.js';
import { useAsync, type AsyncState } from '../common/use-async.js';

/** doctor's verdict, asked once per visit of the home; the first frame never waits for it. */
export function useHealth(services: SessionServices): AsyncState<HealthLine> {
  return useAsync(() => services.health(), [services]);
}
