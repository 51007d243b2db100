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

/** The lab only talks to loopback; refuse anything else early. */
export function assertLoopback(host: string): void {
  if (host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return;
  throw new Error(`lab database must be on loopback (127.0.0.0/8), got ${host}`);
}
