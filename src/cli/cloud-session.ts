// Opens what a run needs (config, effects) and proves the cloud is reachable before a run
// starts: an unreachable database or refused credentials is bad input (exit 2), found before
// anything could change.
import { loadConfig } from '../config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../config/types.js';
import { createEffects } from '../effects/create-effects.js';
import type { Effects } from '../effects/types.js';
import { UsageError } from '../engine/errors.js';
import { messageOf } from '../engine/execute-operation.js';
import { Redactor } from '../engine/redact.js';
import { ConfigError } from '../config/errors.js';
import { resolveCells } from '../effects/sql/resolve-cells.js';

export interface CloudSession {
  config: NovaopsConfig;
  effects: Effects;
  redactor: Redactor;
  close(): Promise<void>;
}

export async function openConfig(configPath: string | undefined): Promise<NovaopsConfig> {
  return loadConfig({ configPath, env: process.env, cwd: process.cwd() });
}

export async function openCloudSession(configPath: string | undefined): Promise<CloudSession> {
  return connectCloud(await openConfig(configPath));
}

/** The cloud of a config already loaded: the TUI's session runs on the config it showed. */
export async function connectCloud(config: NovaopsConfig): Promise<CloudSession> {
  const effects = createEffects(config);
  let cellSecrets: string[];
  try {
    await checkReachable(config, effects);
    cellSecrets = await joinCells(config, effects);
    // Without hosts: in the config the compute hosts come from the Compute API; a failure there
    // only matters to a runbook that needs a host, whose "unknown host" then says why.
    await effects.hosts.discover();
  } catch (error) {
    await effects.close().catch(() => undefined);
    throw error;
  }
  const redactor = new Redactor([...configSecrets(config), ...cellSecrets]);
  return { config, effects, redactor, close: () => effects.close() };
}

/** The cells nova_api maps join the session (effects.cells); returns the passwords they brought, for redaction. */
export async function joinCells(config: NovaopsConfig, effects: Effects): Promise<string[]> {
  try {
    const { directory, secrets } = await resolveCells(config.databases, effects.sql);
    effects.cells = directory;
    return secrets;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const api = config.databases.novaApi!;
    throw new UsageError(
      `cannot read the cell mappings in the nova_api database ${api.database} at ${api.host}:${api.port} (${api.source}): ${messageOf(error)}`,
      'check that [api_database] connection names the nova_api database (`nova-manage cell_v2 list_cells` on a controller lists the cells)',
    );
  }
}

async function checkReachable(config: NovaopsConfig, effects: Effects): Promise<void> {
  const { nova, cinder, novaApi } = config.databases;
  const named = [['nova', nova], ['cinder', cinder], ...(novaApi ? [['nova_api', novaApi] as const] : [])] as const;
  for (const [db, c] of named) {
    try {
      await effects.sql.select(db, 'SELECT 1', []);
    } catch (error) {
      throw new UsageError(
        `cannot use the ${db} database ${c.database} at ${c.host}:${c.port} as ${c.user} (${c.source}): ${messageOf(error)}`,
        `check that the database server is up and the ${db === 'nova_api' ? '[api_database]' : '[database]'} connection in the config is right (novaops doctor)`,
      );
    }
  }
  try {
    await effects.openstack.identity();
  } catch (error) {
    throw new UsageError(
      `cannot authenticate to the OpenStack API at ${config.cloud.authUrl} as ${config.cloud.username} (${config.cloud.source}): ${messageOf(error)}`,
      'check the credentials in clouds.yaml / OS_* variables (novaops doctor)',
    );
  }
}
