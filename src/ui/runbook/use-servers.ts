import type { ServerChoice, SessionServices } from '../session/services.js';
import { useAsync, type AsyncState } from '../common/use-async.js';

/** The live server list, read once when the picker opens; the filter is applied as you type. */
export function useServers(services: SessionServices): AsyncState<ServerChoice[]> {
  return useAsync(() => services.servers(), [services]);
}
