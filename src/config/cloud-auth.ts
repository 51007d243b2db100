// OpenStack credentials, following the OpenStack client conventions: a clouds.yaml entry
// (named by the novaops config or OS_CLOUD, secure.yaml merged in) or the OS_* variables.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { CloudAuth } from './types.js';
import { ConfigError } from './errors.js';
import { homeDir } from './paths.js';
import { showValue } from '../values/show-value.js';

type Interface = CloudAuth['interface'];

export interface CloudAuthOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `cloud:` from the novaops config (wins over OS_CLOUD). */
  cloudName?: string;
  /** `clouds_yaml:` from the novaops config, already resolved. */
  cloudsYaml?: string;
  /** The system-wide clouds.yaml, last in the search order; default /etc/openstack/clouds.yaml. */
  systemCloudsYaml?: string;
}

export const SYSTEM_CLOUDS_YAML = '/etc/openstack/clouds.yaml';

export interface ResolvedCloud {
  auth: CloudAuth;
  /** The clouds.yaml entry name, when there is one. */
  cloudName?: string;
}

export async function resolveCloudAuth(opts: CloudAuthOptions): Promise<ResolvedCloud> {
  const name = opts.cloudName ?? (opts.env.OS_CLOUD || undefined);
  if (name) return { auth: await fromCloudsYaml(name, opts), cloudName: name };
  if (opts.env.OS_AUTH_URL) return { auth: fromEnv(opts.env) };
  throw new ConfigError(
    'no OpenStack credentials: set OS_CLOUD or OS_AUTH_URL (with OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME), or `cloud:` in the novaops config',
    'source your openrc file, or export OS_CLOUD=<name of a clouds.yaml entry>',
  );
}

/** Search order of the OpenStack clients. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv, cwd: string, systemCloudsYaml = SYSTEM_CLOUDS_YAML): string[] {
  const list: string[] = [];
  if (env.OS_CLIENT_CONFIG_FILE) list.push(path.resolve(cwd, env.OS_CLIENT_CONFIG_FILE));
  list.push(path.join(cwd, 'clouds.yaml'), path.join(homeDir(env), '.config', 'openstack', 'clouds.yaml'), systemCloudsYaml);
  return list;
}

async function fromCloudsYaml(name: string, opts: CloudAuthOptions): Promise<CloudAuth> {
  const candidates = opts.cloudsYaml ? [opts.cloudsYaml] : cloudsYamlCandidates(opts.env, opts.cwd, opts.systemCloudsYaml);
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    throw new ConfigError(
      `cloud '${name}': no clouds.yaml found (looked at ${candidates.join(', ')})`,
      'create clouds.yaml in one of those places, set OS_CLIENT_CONFIG_FILE, or set clouds_yaml: in the novaops config',
    );
  }
  const clouds = await readCloudsFile(file);
  const entry = clouds[name];
  if (!isRecord(entry)) {
    const known = Object.keys(clouds);
    throw new ConfigError(
      `cloud '${name}' is not in ${file} (it has: ${known.length ? known.join(', ') : 'none'})`,
      'set OS_CLOUD or `cloud:` to one of the listed names',
    );
  }
  // secure.yaml sits beside clouds.yaml and holds the secrets (same layout), merged over it.
  const securePath = path.join(path.dirname(file), 'secure.yaml');
  let merged = entry;
  if (existsSync(securePath)) {
    const secure = (await readCloudsFile(securePath))[name];
    if (isRecord(secure)) merged = deepMerge(entry, secure);
  }
  const source = `clouds.yaml (${file}) cloud "${name}"`;
  const auth = isRecord(merged.auth) ? merged.auth : {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined);
  const authUrl = str(auth.auth_url);
  const username = str(auth.username);
  // A clouds.yaml without the password is common; the clients then take OS_PASSWORD.
  const password = str(auth.password) ?? str(opts.env.OS_PASSWORD);
  const projectName = str(auth.project_name) ?? str(auth.tenant_name);
  const missing = [!authUrl && 'auth.auth_url', !username && 'auth.username', !password && 'auth.password (or OS_PASSWORD)', !projectName && 'auth.project_name'].filter(Boolean);
  if (missing.length) {
    throw new ConfigError(`${source}: missing ${missing.join(', ')}`, `add them to the "${name}" entry (secrets may go in secure.yaml)`);
  }
  return {
    authUrl: normaliseAuthUrl(authUrl!, source),
    username: username!,
    password: password!,
    projectName: projectName!,
    userDomainName: str(auth.user_domain_name) ?? str(auth.domain_name) ?? 'Default',
    projectDomainName: str(auth.project_domain_name) ?? str(auth.domain_name) ?? 'Default',
    regionName: str(merged.region_name),
    interface: parseInterface(str(merged.interface) ?? str(merged.endpoint_type), source),
    source,
  };
}

function fromEnv(env: NodeJS.ProcessEnv): CloudAuth {
  const source = 'OS_* environment';
  const missing = ['OS_USERNAME', 'OS_PASSWORD'].filter((k) => !env[k]);
  if (!env.OS_PROJECT_NAME && !env.OS_TENANT_NAME) missing.push('OS_PROJECT_NAME');
  if (missing.length) {
    throw new ConfigError(`OS_AUTH_URL is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`, 'source a complete openrc file');
  }
  return {
    authUrl: normaliseAuthUrl(env.OS_AUTH_URL!, source),
    username: env.OS_USERNAME!,
    password: env.OS_PASSWORD!,
    projectName: (env.OS_PROJECT_NAME || env.OS_TENANT_NAME)!,
    userDomainName: env.OS_USER_DOMAIN_NAME || env.OS_DOMAIN_NAME || 'Default',
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME || env.OS_DOMAIN_NAME || 'Default',
    regionName: env.OS_REGION_NAME || undefined,
    interface: parseInterface(env.OS_INTERFACE || env.OS_ENDPOINT_TYPE, source),
    source,
  };
}

async function readCloudsFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why = { EISDIR: 'it is a directory', EACCES: 'permission denied' }[code] ?? code;
    throw new ConfigError(`cannot read ${file}: ${why}`, 'point OS_CLIENT_CONFIG_FILE or clouds_yaml: at a readable clouds.yaml file');
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax of that file');
  }
  if (doc == null) return {};
  if (!isRecord(doc) || (doc.clouds !== undefined && !isRecord(doc.clouds))) {
    throw new ConfigError(`${file}: expected a top-level 'clouds:' mapping`, 'see the OpenStack client documentation for clouds.yaml');
  }
  return (doc.clouds as Record<string, unknown> | undefined) ?? {};
}

/** Keystone v3 is what we speak; clouds.yaml often gives the unversioned URL. */
export function normaliseAuthUrl(url: string, source: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${source}: auth_url ${showValue(url)} is not a URL`, 'expected e.g. https://keystone.example.com:5000/v3');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ConfigError(`${source}: auth_url ${showValue(url)} is not http(s)`, 'expected e.g. https://keystone.example.com:5000/v3');
  }
  const base = url.replace(/\/+$/, '');
  if (/\/v2\.0$/.test(base)) {
    throw new ConfigError(`${source}: auth_url ${url} is Keystone v2.0`, 'novaops speaks Keystone v3: use the /v3 URL');
  }
  return /\/v3$/.test(base) ? base : `${base}/v3`;
}

function parseInterface(value: string | undefined, source: string): Interface {
  if (!value) return 'public';
  const v = value.replace(/URL$/, '');
  if (v === 'public' || v === 'internal' || v === 'admin') return v;
  throw new ConfigError(`${source}: interface ${showValue(value)} is not one of public, internal, admin`, 'fix OS_INTERFACE or interface: in clouds.yaml');
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isRecord(v) && isRecord(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}
