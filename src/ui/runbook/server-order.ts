// The order of the rehearsal picker. For drp the instances worth rehearsing on come first: those
// the power loss affected (SHUTOFF: the runbook reboots them) with the most volumes (the cleanup,
// the reattach and the guards only have work when there are volumes); an instance with no volume
// would exercise two steps of five.
import type { ServerChoice } from '../session/services.js';

export type ServerOrder = 'power-loss' | 'name';

export function isAffected(server: ServerChoice): boolean {
  return server.status.toUpperCase() === 'SHUTOFF';
}

export function orderServers(servers: readonly ServerChoice[], order: ServerOrder): ServerChoice[] {
  const byName = (a: ServerChoice, b: ServerChoice) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  if (order === 'name') return [...servers].sort(byName);
  return [...servers].sort((a, b) => Number(isAffected(b)) - Number(isAffected(a)) || (b.volumes ?? 0) - (a.volumes ?? 0) || byName(a, b));
}

/** `/web` filters as `web`: the picker's field takes the list-wide `/` too. */
export function filterText(typed: string): string {
  const slash = typed.lastIndexOf('/');
  return (slash >= 0 ? typed.slice(slash + 1) : typed).trim();
}
