// Service VMs (Octavia amphorae, Manila share servers and the like) are not moved in bulk: the
// service that owns them fails them over itself, and a second copy made by an evacuation would
// fight it. They are found by name or by a metadata key, left on the failed host, and named.
import type { HostServer } from './read-servers.js';

/** Why a server counts as a service VM, or undefined. */
export function serviceVmReason(server: Pick<HostServer, 'name' | 'metadata'>, names: RegExp, metadataKeys: readonly string[]): string | undefined {
  if (names.source !== '(?:)' && names.test(server.name)) return `name matches /${names.source}/`;
  const key = metadataKeys.find((k) => Object.prototype.hasOwnProperty.call(server.metadata, k));
  return key ? `metadata ${key}=${server.metadata[key]}` : undefined;
}
