// The lab writes the same files an operator would have on a real deployment, so novaops loads
// the lab through its ordinary config path (clouds.yaml, nova.conf, cinder.conf, novaops.yaml).
import { readFile, writeFile, chmod } from 'node:fs/promises';
import ini from 'ini';
import YAML from 'yaml';
import { oslodbUrl, parseDbUrl, type DbServer } from './db-url.js';
import { hostPaths, labPaths } from './paths.js';
import { LAB_CLOUD_NAME } from './types.js';

export interface CloudCredentials {
  authUrl: string;
  username: string;
  password: string;
}

export async function writeCloudsYaml(file: string, c: CloudCredentials): Promise<void> {
  const doc = {
    clouds: {
      [LAB_CLOUD_NAME]: {
        auth: {
          auth_url: c.authUrl,
          username: c.username,
          password: c.password,
          project_name: 'admin',
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        region_name: 'RegionOne',
        interface: 'public',
        identity_api_version: 3,
      },
    },
  };
  await writeFile(file, YAML.stringify(doc), { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function readCloudsYaml(file: string): Promise<CloudCredentials> {
  const doc = YAML.parse(await readFile(file, 'utf8'));
  const auth = doc?.clouds?.[LAB_CLOUD_NAME]?.auth;
  if (!auth) throw new Error(`${file}: no cloud ${LAB_CLOUD_NAME}`);
  return { authUrl: auth.auth_url, username: auth.username, password: String(auth.password) };
}

/** `api`: nova.conf's [api_database], the nova_api schema (cells v2), with the same lab user. */
export async function writeServiceConf(file: string, service: 'nova' | 'cinder' | 'placement', db: Required<DbServer>, api?: { database: string }): Promise<void> {
  const defaults: Record<typeof service, string[]> = {
    nova: ['instance_name_template = instance-%08x'],
    cinder: ['volume_name_template = volume-%s'],
    placement: [],
  };
  const body = [
    `# ${service}.conf written by novaops lab: only the sections novaops reads.`,
    '[DEFAULT]',
    ...defaults[service],
    '',
    // Placement keeps its connection in its own section, as /etc/placement/placement.conf does.
    service === 'placement' ? '[placement_database]' : '[database]',
    `connection = ${oslodbUrl(db)}`,
    '',
    ...(api ? ['[api_database]', `connection = ${oslodbUrl({ ...db, database: api.database })}`, ''] : []),
  ].join('\n');
  // 0640 like the packaged files: the password must not be world readable.
  await writeFile(file, body, { mode: 0o640 });
  await chmod(file, 0o640);
}

/** [database] connection as the file spells it (cell mapping templates are formatted from it). */
export async function readServiceConnectionUrl(file: string): Promise<string> {
  const parsed = ini.parse(await readFile(file, 'utf8'));
  const conn = parsed?.database?.connection;
  if (typeof conn !== 'string') throw new Error(`${file}: no [database] connection`);
  return conn;
}

export async function readServiceConnection(file: string): Promise<DbServer> {
  return parseDbUrl(await readServiceConnectionUrl(file));
}

/** `conf`: the nova.conf and cinder.conf novaops reads (the lab's own unless it reaches the DB through the proxy). */
export async function writeNovaopsYaml(dir: string, hosts: string[], conf?: { nova: string; cinder: string }): Promise<void> {
  const p = labPaths(dir);
  const novaConf = conf?.nova ?? p.novaConf;
  const cinderConf = conf?.cinder ?? p.cinderConf;
  // Flow-style maps keep one host per line, the shape operators copy from the docs.
  const hostLines = hosts.map((h) => {
    const { bin, root } = hostPaths(dir, h);
    return `  ${h}: { via: local, root: ${JSON.stringify(root)}, path_prepend: [${JSON.stringify(bin)}], env: { NOVAOPS_LAB_HOST: ${h} } }`;
  });
  const text = [
    `cloud: ${LAB_CLOUD_NAME}`,
    `clouds_yaml: ${JSON.stringify(p.cloudsYaml)}`,
    'databases:',
    `  nova: { conf: ${JSON.stringify(novaConf)} }`,
    `  cinder: { conf: ${JSON.stringify(cinderConf)} }`,
    'hosts:',
    ...hostLines,
    'api: { concurrency: 16, timeout_ms: 30000 }',
    'poll: { initial_ms: 100, max_ms: 2000, timeout_ms: 300000 }',
    '',
  ].join('\n');
  await writeFile(p.configFile, text);
}
