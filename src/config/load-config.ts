// Finds, reads and validates the novaops config and resolves everything it points at
// (clouds.yaml, nova.conf, cinder.conf) into the NovaopsConfig the rest of novaops receives.
import { existsSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { DbConnection, GuestSsh, HostSpec, NovaopsConfig, SshDefaults } from './types.js';
import { ConfigError } from './errors.js';
import { configFileSchema, describeIssues, type ConfigFile } from './config-file-schema.js';
import { checkStateDir, labConfigPath, resolvePath, resolveStateDir, stateDirOrigin, userConfigPath } from './paths.js';
import { resolveCloudAuth } from './cloud-auth.js';
import { parseDbUrl, readApiDbFromConf, readDbFromConf } from './db-connection.js';
import { ValidationError, parseAddress, parseHostName } from '../values/validate.js';
import { parseProxyJump } from './proxy-jump.js';
import { showValue } from '../values/show-value.js';

export { ConfigError } from './errors.js';
export { checkStateDir, resolveStateDir, stateDirOrigin } from './paths.js';

export interface LoadConfigOptions {
  /** --config */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The service configs whose `[database] connection` is used when the novaops config names no
   * database. Default /etc/nova/nova.conf and /etc/cinder/cinder.conf; tests point them elsewhere.
   */
  serviceConfs?: { nova?: string; cinder?: string };
  /** The user config file. Default $XDG_CONFIG_HOME/novaops/config.yaml (~/.config/novaops/config.yaml). */
  userConfigPath?: string;
  /** The system-wide clouds.yaml, last in the search order. Default /etc/openstack/clouds.yaml. */
  systemCloudsYaml?: string;
}

export const DEFAULT_SERVICE_CONFS = { nova: '/etc/nova/nova.conf', cinder: '/etc/cinder/cinder.conf' } as const;

/** A novaops config is a few dozen lines; anything near this size is the wrong file (and YAML parsing it takes long). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

interface Located {
  file: string;
  /** How it was chosen, for messages: "from --config", "the user config", ... */
  origin: string;
}

/** Which config file applies: --config > NOVAOPS_CONFIG > user config > running lab's config > none. */
export function locateConfigFile(opts: LoadConfigOptions): string | undefined {
  return locate(opts)?.file;
}

function locate(opts: LoadConfigOptions): Located | undefined {
  const cwd = opts.cwd ?? process.cwd();
  // Given but empty is a mistake (an unset variable in a script, `--config "$CFG"`), not "use the next one".
  if (opts.configPath !== undefined) return { file: explicitConfig(opts.configPath, '--config', opts.env, cwd), origin: 'from --config' };
  if (opts.env.NOVAOPS_CONFIG !== undefined) {
    return { file: explicitConfig(opts.env.NOVAOPS_CONFIG, 'NOVAOPS_CONFIG', opts.env, cwd), origin: 'from NOVAOPS_CONFIG' };
  }
  const user = opts.userConfigPath ?? userConfigPath(opts.env);
  if (existsSync(user)) return { file: user, origin: 'the user config' };
  const lab = labConfigPath(resolveStateDir(opts.env));
  if (existsSync(lab)) return { file: lab, origin: "the running lab's config" };
  return undefined;
}

function explicitConfig(value: string, flag: '--config' | 'NOVAOPS_CONFIG', env: NodeJS.ProcessEnv, cwd: string): string {
  if (value.trim() === '') {
    throw flag === '--config'
      ? new ConfigError(
          '--config was given an empty path',
          'give the path of the novaops config file (--config /path/to/config.yaml), or leave --config out to use NOVAOPS_CONFIG or ~/.config/novaops/config.yaml',
        )
      : new ConfigError(
          'NOVAOPS_CONFIG is set but empty',
          'unset it (unset NOVAOPS_CONFIG) or give a path (export NOVAOPS_CONFIG=/path/to/config.yaml)',
        );
  }
  const p = resolvePath(value, env, cwd);
  let st: Stats;
  try {
    st = statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(`config ${p} (from ${flag}) does not exist`, `fix ${flag}, or create the file`);
    }
    throw new ConfigError(`config ${p} (from ${flag}) cannot be read: ${code === 'EACCES' ? 'permission denied' : (code ?? String(err))}`, `fix ${flag}, or the permissions on the way to the file`);
  }
  checkRegularFile(p, `from ${flag}`, st, `point ${flag} at the config file itself, e.g. ${path.join(p, 'config.yaml')}`);
  return p;
}

function checkRegularFile(file: string, origin: string, st: Stats, dirHint: string): void {
  if (st.isDirectory()) throw new ConfigError(`config ${file} (${origin}) is a directory, not a file`, dirHint);
  if (!st.isFile()) {
    throw new ConfigError(`config ${file} (${origin}) is not a regular file`, 'give the path of a YAML file (pipes and devices are not read)');
  }
  if (st.size > MAX_CONFIG_BYTES) throw tooLarge(file, origin, st.size);
}

function tooLarge(file: string, origin: string, size: number): ConfigError {
  return new ConfigError(
    `config ${file} (${origin}) is ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes); a novaops config may be at most 1 MiB, so it was not read`,
    'check that this is the right file: a novaops config is a few dozen lines (see Configuration in README.md)',
  );
}

export async function loadConfig(opts: LoadConfigOptions): Promise<NovaopsConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env;
  const located = locate(opts);
  const file = located?.file;
  const parsed = located ? await readConfigFile(located) : {};
  const baseDir = file ? path.dirname(file) : cwd;
  const where = file ? `config ${file}` : 'defaults';
  const resolve = (p: string) => resolvePath(p, env, baseDir);

  // What can be checked without the network comes first, the state directory before anything:
  // found now, not as an ENOTDIR in the middle of a run. Checked only; loading a config creates nothing.
  const stateDir = parsed.state_dir ? resolve(parsed.state_dir) : resolveStateDir(env);
  checkStateDir(stateDir, parsed.state_dir ? `state_dir in ${where}` : stateDirOrigin(env));
  const ssh = resolveSshDefaults(parsed, where, resolve);
  const hosts = resolveHosts(parsed, where, resolve);
  const guests = resolveGuests(parsed, resolve);

  const cloud = await resolveCloudAuth({
    env,
    cwd,
    cloudName: parsed.cloud,
    cloudsYaml: parsed.clouds_yaml ? resolve(parsed.clouds_yaml) : undefined,
    systemCloudsYaml: opts.systemCloudsYaml,
  });

  const databases = {
    nova: await resolveDb('nova', parsed, where, resolve, opts),
    cinder: await resolveDb('cinder', parsed, where, resolve, opts),
    novaApi: await resolveApiDb(parsed, where, resolve, opts),
    cells: resolveCellOverrides(parsed, where),
  };

  return {
    source: file ?? 'defaults',
    cloudName: cloud.cloudName ?? cloudNameFromUrl(cloud.auth.authUrl),
    stateDir,
    readOnly: parsed.read_only === true || isReadOnlyEnv(env),
    cloud: cloud.auth,
    databases,
    hosts,
    ssh,
    guests,
    api: {
      concurrency: parsed.api?.concurrency ?? 16,
      timeoutMs: parsed.api?.timeout_ms ?? 30_000,
      noAnswerStopMs: noAnswerStopMs(env) ?? parsed.api?.no_answer_stop_ms ?? 60_000,
    },
    poll: {
      initialMs: parsed.poll?.initial_ms ?? 250,
      maxMs: parsed.poll?.max_ms ?? 5_000,
      timeoutMs: parsed.poll?.timeout_ms ?? 600_000,
    },
  };
}

/** NOVAOPS_NO_ANSWER_STOP_MS: how long a silent cloud is retried before the run stops (tests shorten it). */
function noAnswerStopMs(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.NOVAOPS_NO_ANSWER_STOP_MS;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 100) {
    throw new ConfigError(`NOVAOPS_NO_ANSWER_STOP_MS=${text} is not a number of milliseconds (100 or more)`, 'set it to e.g. 60000, or unset it for the default of 60 s');
  }
  return Number(text);
}

/** NOVAOPS_READ_ONLY=1 (or true/yes): what `novaops --read-only` sets for the command it runs. */
export function isReadOnlyEnv(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes)$/i.test(env.NOVAOPS_READ_ONLY ?? '');
}

async function readConfigFile({ file, origin }: Located): Promise<ConfigFile> {
  const text = await readBounded(file, origin);
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${file}: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  const result = configFileSchema.safeParse(doc ?? {});
  if (!result.success) {
    throw new ConfigError(`config ${file}: ${describeIssues(result.error)}`, 'see the config file format in the novaops documentation (section 2 of DESIGN.md)');
  }
  return result.data;
}

/** The file's text, refused by its size before a byte is read (and never more than the limit read). */
async function readBounded(file: string, origin: string): Promise<string> {
  const cannotRead = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return new ConfigError(
      `cannot read config ${file} (${origin}): ${code === 'EACCES' ? 'permission denied' : code}`,
      code === 'EACCES' ? `run novaops as a user that can read ${file}, or fix its permissions` : 'check the path and the file',
    );
  };
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    throw cannotRead(err);
  }
  // Checked before open(): opening a named pipe would block.
  checkRegularFile(file, origin, st, `remove or rename the directory ${file}, or give the config with --config`);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw cannotRead(err);
  }
  try {
    const reopened = await handle.stat();
    checkRegularFile(file, origin, reopened, `remove or rename the directory ${file}`);
    // It may have grown since the stat: read one byte past the limit at most.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) throw tooLarge(file, origin, Math.max(length, (await handle.stat()).size));
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw cannotRead(err);
  } finally {
    await handle.close();
  }
}

async function resolveDb(
  name: 'nova' | 'cinder',
  parsed: ConfigFile,
  where: string,
  resolve: (p: string) => string,
  opts: LoadConfigOptions,
): Promise<DbConnection> {
  const spec = parsed.databases?.[name];
  if (spec && 'url' in spec) return parseDbUrl(spec.url, `${where} databases.${name}.url`);
  if (spec && 'conf' in spec) return readDbFromConf(resolve(spec.conf), `databases.${name}.conf in ${where}`);
  const conf = opts.serviceConfs?.[name] ?? DEFAULT_SERVICE_CONFS[name];
  const why = where === 'defaults' ? 'no novaops config file was found' : `${where} has no databases.${name}`;
  return readDbFromConf(conf, `the default for the ${name} database: ${why}`);
}

/**
 * The API database, where the cell mappings are: databases.nova_api, else `[api_database]` of the
 * nova conf file the nova database came from. A URL-only nova database and no nova_api: one cell.
 */
async function resolveApiDb(parsed: ConfigFile, where: string, resolve: (p: string) => string, opts: LoadConfigOptions): Promise<DbConnection | undefined> {
  const spec = parsed.databases?.nova_api;
  if (spec && 'url' in spec) return parseDbUrl(spec.url, `${where} databases.nova_api.url`);
  if (spec && 'conf' in spec) {
    const file = resolve(spec.conf);
    const api = await readApiDbFromConf(file, `databases.nova_api.conf in ${where}`);
    if (!api) {
      throw new ConfigError(
        `${file} (databases.nova_api.conf in ${where}): no [api_database] connection setting`,
        'name the nova.conf of a nova-api or super-conductor host (it has [api_database]), or give databases.nova_api.url',
      );
    }
    return api;
  }
  const nova = parsed.databases?.nova;
  if (nova && 'url' in nova) return undefined;
  const file = nova && 'conf' in nova ? resolve(nova.conf) : opts.serviceConfs?.nova ?? DEFAULT_SERVICE_CONFS.nova;
  return readApiDbFromConf(file, `the default for the nova_api database: the nova conf file`);
}

function resolveCellOverrides(parsed: ConfigFile, where: string): Record<string, DbConnection> {
  const cells: Record<string, DbConnection> = {};
  for (const [name, spec] of Object.entries(parsed.databases?.cells ?? {})) {
    const key = plainKey(name) ? `databases.cells.${name}` : 'databases.cells (a cell name)';
    cells[name] = parseDbUrl(spec.url, `${where} ${key}.url`);
  }
  return cells;
}

/** A key that can be printed as it is, e.g. `hosts.compute1`; anything else is shown by showValue. */
function plainKey(key: string): boolean {
  return key.length > 0 && key.length <= 64 && /^[\x20-\x7e]+$/.test(key);
}

/** A ValidationError from validate.ts about a value in the config, as the ConfigError it is. */
function inConfig<T>(where: string, hint: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ValidationError) throw new ConfigError(`${where}: ${err.message}`, hint);
    throw err;
  }
}

function resolveHosts(parsed: ConfigFile, where: string, resolve: (p: string) => string): Record<string, HostSpec> {
  const hosts: Record<string, HostSpec> = {};
  for (const [alias, h] of Object.entries(parsed.hosts ?? {})) {
    // The keys are the compute nodes' Nova host names: they end up in messages, lock names and ssh targets.
    inConfig(
      where,
      'each key under hosts: is a compute node as Nova names it (`openstack compute service list --service nova-compute`): letters, digits, hyphens and dots',
      () => parseHostName(alias, plainKey(alias) ? `hosts.${alias}` : 'hosts (a host name)'),
    );
    if (h.via === 'local') {
      hosts[alias] = { via: 'local', root: hostRoot(h.root, resolve), ...novaConf(h.nova_conf, alias, where), pathPrepend: (h.path_prepend ?? []).map(resolve), env: h.env ?? {} };
    } else {
      inConfig(where, 'give the host name or IP address ssh should connect to', () => parseAddress(h.address, `hosts.${alias}.address`));
      const user = h.user ?? parsed.ssh?.user ?? 'root';
      const jumpFrom = h.proxy_jump !== undefined ? `hosts.${alias}.proxy_jump` : 'ssh.proxy_jump';
      const jumpValue = h.proxy_jump ?? parsed.ssh?.proxy_jump;
      const jump = jumpValue === undefined ? undefined : inConfig(where, 'give the bastion as [user@]host[:port], or none', () => parseProxyJump(jumpValue, jumpFrom, user));
      hosts[alias] = {
        via: 'ssh',
        root: hostRoot(h.root, resolve),
        ...novaConf(h.nova_conf, alias, where),
        address: h.address,
        port: h.port ?? parsed.ssh?.port ?? 22,
        user,
        identityFile: resolveOptional(h.identity_file ?? parsed.ssh?.identity_file, resolve),
        knownHostsFile: resolveOptional(h.known_hosts_file ?? parsed.ssh?.known_hosts_file, resolve),
        ...(jump ? { jump } : {}),
      };
    }
  }
  return hosts;
}

/** Paths on the host itself, so they must be absolute there (not resolved against the config's folder). */
function novaConf(files: string[] | undefined, alias: string, where: string): { novaConf?: string[] } {
  if (files === undefined) return {};
  for (const f of files) {
    if (!f.startsWith('/') || f.split('/').includes('..')) {
      throw new ConfigError(`${where}: hosts.${alias}.nova_conf: ${showValue(f)} is not an absolute path`, 'give the nova.conf files as nova-compute reads them on that host, in order, e.g. [/etc/nova/nova.conf, /etc/nova/nova-compute.conf]');
    }
  }
  return { novaConf: files };
}

/** Left out when it is '/' (the default), so that a plain host reads the same as before. */
function hostRoot(root: string | undefined, resolve: (p: string) => string): string | undefined {
  const resolved = root === undefined ? undefined : resolve(root);
  return resolved === undefined || resolved === '/' ? undefined : resolved;
}

function resolveOptional(p: string | undefined, resolve: (p: string) => string): string | undefined {
  return p ? resolve(p) : undefined;
}

function resolveSshDefaults(parsed: ConfigFile, where: string, resolve: (p: string) => string): SshDefaults {
  const s = parsed.ssh;
  const user = s?.user ?? 'root';
  const jumpValue = s?.proxy_jump;
  const jump = jumpValue === undefined ? undefined : inConfig(where, 'give the bastion as [user@]host[:port]', () => parseProxyJump(jumpValue, 'ssh.proxy_jump', user));
  return {
    user,
    port: s?.port ?? 22,
    identityFile: resolveOptional(s?.identity_file, resolve),
    knownHostsFile: resolveOptional(s?.known_hosts_file, resolve),
    ...(jump ? { jump } : {}),
  };
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
