// The real world, wired from a config. Tests and the lab build the same thing from their own config.
import type { NovaopsConfig } from '../config/types.js';
import type { Effects } from './types.js';
import { createSqlEffect } from './sql/create-sql-effect.js';
import { createOpenStackEffect } from './openstack/create-openstack-effect.js';
import { createHostsEffect } from './hosts/create-hosts-effect.js';
import { discoverComputeHosts } from './hosts/discover-hosts.js';
import { singleCell } from '../operations/cells.js';

export function createEffects(config: NovaopsConfig): Effects {
  const sql = createSqlEffect(config.databases);
  const openstack = createOpenStackEffect(config.cloud, config.api);
  const hosts = createHostsEffect(config.hosts, {
    guests: config.guests,
    discover: () => discoverComputeHosts(openstack, config.ssh),
  });
  const { nova } = config.databases;
  return {
    sql,
    cells: singleCell(`${nova.database} at ${nova.host}:${nova.port}`),
    openstack,
    hosts,
    async close() {
      await Promise.all([sql.close(), hosts.close()]);
    },
  };
}
