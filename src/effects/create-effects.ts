// The real world, wired from a config. Tests and the lab build the same thing from their own config.
import type { NovaopsConfig } from '../config/types.js';
import type { Effects } from './types.js';
import { createSqlEffect } from './sql/create-sql-effect.js';
import { createOpenStackEffect } from './openstack/create-openstack-effect.js';
import { createHostsEffect } from './hosts/create-hosts-effect.js';

export function createEffects(config: NovaopsConfig): Effects {
  const sql = createSqlEffect(config.databases);
  const openstack = createOpenStackEffect(config.cloud, config.api);
  const hosts = createHostsEffect(config.hosts, config.guests);
  return {
    sql,
    openstack,
    hosts,
    async close() {
      await sql.close();
    },
  };
}
