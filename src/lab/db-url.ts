// The lab names database servers with mysql:// URLs (NOVAOPS_LAB_DB) and reads oslo.db style
// URLs (mysql+pymysql://...) back from nova.conf/cinder.conf; both parse here.

export interface DbServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

export function parseDbUrl(url: string): DbServer {
  const u = new URL(url);
  if (!/^mysql(\+\w+)?:$/.test(u.protocol)) throw new Error(`not a mysql URL: ${u.protocol}`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
  };
}

export function oslodbUrl(s: Required<DbServer>): string {
  const user = encodeURIComponent(s.user);
  const pw = encodeURIComponent(s.password);
  return `mysql+pymysql://${user}:${pw}@${s.host}:${s.port}/${s.database}?charset=utf8`;
}

/**
 * A cell mapping's database_connection as nova-manage cell_v2 writes it: no query part, the
 * password in the clear (URL-encoded), as the Epoxy bed's cell_mappings rows show.
 */
export function cellDbUrl(s: Required<DbServer>): string {
  return `mysql+pymysql://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`;
}

/**
 * nova/objects/cell_mapping.py CellMapping._format_url: a mapping written as a template
 * ({scheme}://{username}:{password}@{hostname}:{port}/nova_cell2) takes its parts from the reading
 * host's own [database] connection. Like urlparse, the user name and password stay as the URL
 * spells them (percent-encoded); `path` loses its leading slash.
 */
export function formatCellUrl(template: string, defaultUrl: string): string {
  if (!template.includes('{')) return template;
  const u = new URL(defaultUrl);
  const subs: Record<string, string> = {
    username: u.username,
    password: u.password,
    hostname: u.hostname,
    port: u.port,
    scheme: u.protocol.replace(/:$/, ''),
    query: u.search.replace(/^\?/, ''),
    fragment: u.hash.replace(/^#/, ''),
    path: u.pathname.replace(/^\/+/, ''),
  };
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in subs)) throw new Error(`cell mapping template names {${key}}, which a database URL does not have`);
    return subs[key];
  });
}

/** The lab only talks to loopback; refuse anything else early. */
export function assertLoopback(host: string): void {
  if (host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return;
  throw new Error(`lab database must be on loopback (127.0.0.0/8), got ${host}`);
}
