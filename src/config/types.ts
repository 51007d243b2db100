// The resolved configuration novaops runs with. Loading and validation live beside this file;
// everything downstream receives this shape and never reads files or env itself.

export interface DbConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Where the connection came from, e.g. '/etc/nova/nova.conf [database] connection'. */
  source: string;
  /** The URL as written, when it came from one: a cell mapping's template is filled from it. Secret. */
  url?: string;
}

export interface CloudAuth {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  regionName?: string;
  /** Endpoint interface picked from the catalog. */
  interface: 'public' | 'internal' | 'admin';
  /** Where the credentials came from, e.g. 'clouds.yaml (/path) cloud "lab"' or 'OS_* environment'. */
  source: string;
}

/** `root`: the directory the host's own files are under: '/' when absent, a lab host's directory in the lab. */
export type HostSpec =
  | {
      via: 'local';
      root?: string;
      /** nova_conf: the files nova-compute reads there, in order; absent: the distribution's defaults. */
      novaConf?: string[];
      /** Directories put in front of PATH (the lab puts its simulated host tools here). */
      pathPrepend: string[];
      env: Record<string, string>;
    }
  | {
      via: 'ssh';
      root?: string;
      novaConf?: string[];
      address: string;
      port: number;
      user: string;
      identityFile?: string;
      /** known_hosts file checked strictly; novaops never writes it. */
      knownHostsFile?: string;
      /** The bastion ssh goes through (proxy_jump), checked with the same key and known_hosts. */
      jump?: JumpHost;
    };

/** A bastion (OpenSSH's ProxyJump): reached with the host's identity, its key checked in the host's known_hosts. */
export interface JumpHost {
  address: string;
  port: number;
  user: string;
}

/** The config's ssh: section: how compute hosts are reached when hosts: does not say (or names none). */
export interface SshDefaults {
  user: string;
  port: number;
  identityFile?: string;
  knownHostsFile?: string;
  jump?: JumpHost;
}

export interface GuestSsh {
  user: string;
  port: number;
  identityFile?: string;
  knownHostsFile?: string;
  /** Which server address to use: the first fixed, or the first floating address. */
  addressFrom: 'fixed' | 'floating';
}

export interface PollSettings {
  initialMs: number;
  maxMs: number;
  timeoutMs: number;
}

export interface NovaopsConfig {
  /** The config file (or 'defaults') this came from. */
  source: string;
  /** A stable name for the cloud: the lock and the transcripts use it. */
  cloudName: string;
  stateDir: string;
  /** read_only: true, --read-only or NOVAOPS_READ_ONLY=1: every live run, resume and abandon is refused (exit 3). */
  readOnly: boolean;
  cloud: CloudAuth;
  databases: {
    nova: DbConnection;
    cinder: DbConnection;
    /** [api_database] of nova.conf (or databases.nova_api): absent, novaops knows one cell, `nova`. */
    novaApi?: DbConnection;
    /** databases.cells: a cell's database as this host reaches it, where its mapping's URL does not (by cell name). */
    cells?: Record<string, DbConnection>;
  };
  hosts: Record<string, HostSpec>;
  /** Absent in configs built by hand (tests): user root, port 22. */
  ssh?: SshDefaults;
  guests?: GuestSsh;
  /** noAnswerStopMs: a cloud that answers nothing for this long stops the run (absent: 60 s). */
  api: { concurrency: number; timeoutMs: number; noAnswerStopMs?: number };
  poll: PollSettings;
}

/** Every secret in a config, for redaction of output and transcripts. */
export function configSecrets(config: NovaopsConfig): string[] {
  const { nova, cinder, novaApi, cells } = config.databases;
  return [config.cloud.password, nova.password, cinder.password, novaApi?.password ?? '', ...Object.values(cells ?? {}).map((c) => c.password)].filter(
    (s) => s.length > 0,
  );
}
