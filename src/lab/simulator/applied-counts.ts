// What the simulator applied, per server and volume: counted from the route and a 2xx answer in
// one place, so every mutating route is covered the same way (see Stats.appliedByServer).
import { actionName } from './nova-actions.js';
import type { Stats } from './stats.js';

export function countApplied(stats: Stats, method: string, shape: string, params: string[], body: unknown): void {
  const server = params[0];
  if (method === 'POST' && shape === '/servers/{id}/action') {
    stats.applied('server', server, actionName(body) ?? '?');
  } else if (method === 'DELETE' && shape === '/servers/{id}') {
    stats.applied('server', server, 'delete');
  } else if (method === 'POST' && shape === '/servers/{id}/os-volume_attachments') {
    stats.applied('server', server, 'attach');
    const volumeId = (body as { volumeAttachment?: { volumeId?: unknown } } | undefined)?.volumeAttachment?.volumeId;
    if (typeof volumeId === 'string') stats.applied('volume', volumeId, 'attach');
  }
}
