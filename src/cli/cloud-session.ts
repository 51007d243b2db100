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
  const redactor = new Redactor(configSecrets(config));
  const effects = createEffects(config);
  try {
    await checkReachable(config, effects);
    // Without hosts: in the config the compute hosts come from the Compute API; a failure there
    // only matters to a runbook that needs a host, whose "unknown host" then says why.
    await effects.hosts.discover();
  } catch (error) {
    await effects.close().catch(() => undefined);
    throw error;
  }
  return { config, effects, redactor, close: () => effects.close() };
}

async function checkReachable(config: NovaopsConfig, effects: Effects): Promise<void> {
  for (const db of ['nova', 'cinder'] as const) {
    try {
      await effects.sql.select(db, 'SELECT 1', []);
    } catch (error) {
      const c = config.databases[db];
      throw new UsageError(
        `cannot use the ${db} database ${c.database} at ${c.host}:${c.port} as ${c.user} (${c.source}): ${messageOf(error)}`,
        'check that the database server is up and the [database] connection in the config is right (novaops doctor)',
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
