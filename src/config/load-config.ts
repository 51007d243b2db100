// Finds, reads and validates the novaops config and resolves everything it points at
// (clouds.yaml, nova.conf, cinder.conf) into the NovaopsConfig the rest of novaops receives.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { DbConnection, GuestSsh, HostSpec, NovaopsConfig } from './types.js';
import { ConfigError } from './errors.js';
import { configFileSchema, describeIssues, type ConfigFile } from './config-file-schema.js';
import { labConfigPath, resolvePath, resolveStateDir, userConfigPath } from './paths.js';
import { resolveCloudAuth } from './cloud-auth.js';
import { parseDbUrl, readDbFromConf } from './db-connection.js';
import { isAddress } from './validate.js';

export { ConfigError } from './errors.js';
export { resolveStateDir } from './paths.js';

export interface LoadConfigOptions {
  /** --config */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

const defaultConfs = { nova: '/etc/nova/nova.conf', cinder: '/etc/cinder/cinder.conf' } as const;

/** Which config file applies: --config > NOVAOPS_CONFIG > user config > running lab's config > none. */
export function locateConfigFile(opts: LoadConfigOptions): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? (opts.env.NOVAOPS_CONFIG || undefined);
  if (explicit) {
    const p = resolvePath(explicit, opts.env, cwd);
    if (!existsSync(p)) {
      const flag = opts.configPath ? '--config' : 'NOVAOPS_CONFIG';
      throw new ConfigError(`config ${p} (from ${flag}) does not exist`, `fix ${flag}, or create the file`);
    }
    return p;
  }
  const user = userConfigPath(opts.env);
  if (existsSync(user)) return user;
  const lab = labConfigPath(resolveStateDir(opts.env));
  if (existsSync(lab)) return lab;
  return undefined;
}

export async function loadConfig(opts: LoadConfigOptions): Promise<NovaopsConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env;
  const file = locateConfigFile(opts);
  const parsed = file ? await readConfigFile(file) : {};
  const baseDir = file ? path.dirname(file) : cwd;
  const where = file ? `config ${file}` : 'defaults';
  const resolve = (p: string) => resolvePath(p, env, baseDir);

  const cloud = await resolveCloudAuth({
    env,
    cwd,
    cloudName: parsed.cloud,
    cloudsYaml: parsed.clouds_yaml ? resolve(parsed.clouds_yaml) : undefined,
  });

  const databases = {
    nova: await resolveDb('nova', parsed, where, resolve),
    cinder: await resolveDb('cinder', parsed, where, resolve),
  };

  return {
    source: file ?? 'defaults',
    cloudName: cloud.cloudName ?? cloudNameFromUrl(cloud.auth.authUrl),
    stateDir: parsed.state_dir ? resolve(parsed.state_dir) : resolveStateDir(env),
    cloud: cloud.auth,
    databases,
    hosts: resolveHosts(parsed, where, resolve),
    guests: resolveGuests(parsed, resolve),
    api: {
      concurrency: parsed.api?.concurrency ?? 16,
      timeoutMs: parsed.api?.timeout_ms ?? 30_000,
    },
    poll: {
      initialMs: parsed.poll?.initial_ms ?? 250,
      maxMs: parsed.poll?.max_ms ?? 5_000,
      timeoutMs: parsed.poll?.timeout_ms ?? 600_000,
    },
  };
}

async function readConfigFile(file: string): Promise<ConfigFile> {
  let doc: unknown;
  try {
    doc = YAML.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config ${file}: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  const result = configFileSchema.safeParse(doc ?? {});
  if (!result.success) {
    throw new ConfigError(`config ${file}: ${describeIssues(result.error)}`, 'see the config file format in the novaops documentation (section 2 of DESIGN.md)');
  }
  return result.data;
}

async function resolveDb(
  name: 'nova' | 'cinder',
  parsed: ConfigFile,
  where: string,
  resolve: (p: string) => string,
): Promise<DbConnection> {
  const spec = parsed.databases?.[name];
  if (spec && 'url' in spec) return parseDbUrl(spec.url, `${where} databases.${name}.url`);
  const conf = spec && 'conf' in spec ? resolve(spec.conf) : defaultConfs[name];
  return readDbFromConf(conf);
}

function resolveHosts(parsed: ConfigFile, where: string, resolve: (p: string) => string): Record<string, HostSpec> {
  const hosts: Record<string, HostSpec> = {};
  for (const [alias, h] of Object.entries(parsed.hosts ?? {})) {
    if (h.via === 'local') {
      hosts[alias] = { via: 'local', pathPrepend: (h.path_prepend ?? []).map(resolve), env: h.env ?? {} };
    } else {
      if (!isAddress(h.address)) {
        throw new ConfigError(`${where}: hosts.${alias}.address '${h.address}' is neither a host name nor an IP address`, 'fix the address');
      }
      hosts[alias] = {
        via: 'ssh',
        address: h.address,
        port: h.port ?? 22,
        user: h.user ?? 'root',
        identityFile: h.identity_file ? resolve(h.identity_file) : undefined,
        knownHostsFile: h.known_hosts_file ? resolve(h.known_hosts_file) : undefined,
      };
    }
  }
  return hosts;
}

function resolveGuests(parsed: ConfigFile, resolve: (p: string) => string): GuestSsh | undefined {
  const g = parsed.guests;
  if (!g) return undefined;
  return {
    user: g.user,
    port: g.port ?? 22,
    identityFile: g.identity_file ? resolve(g.identity_file) : undefined,
    knownHostsFile: g.known_hosts_file ? resolve(g.known_hosts_file) : undefined,
    addressFrom: g.address_from ?? 'fixed',
  };
}

/** Without a clouds.yaml name, the Keystone host:port names the cloud (stable across runs). */
function cloudNameFromUrl(authUrl: string): string {
  const u = new URL(authUrl);
  return `${u.hostname}${u.port ? `-${u.port}` : ''}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
