// Bad configuration is found when the config loads, as a ConfigError (exit 2) that names the file,
// key or argument and says what to do — never a fallback to another file, a raw "URI malformed",
// an ENOTDIR in the middle of a run, a secret, or a 10,000-character echo.
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  MAX_CONFIG_BYTES,
  checkStateDir,
  loadConfig as realLoadConfig,
  locateConfigFile,
  type LoadConfigOptions,
} from '../../src/config/load-config.js';
import { parseDbUrl, readDbFromConf } from '../../src/config/db-connection.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const osEnv = { OS_AUTH_URL: 'http://127.0.0.1:1/v3', OS_USERNAME: 'u', OS_PASSWORD: 'os-secret-pw', OS_PROJECT_NAME: 'p' };

/** loadConfig with no default search path outside the temp dir (never the machine's /etc). */
function loadConfig(opts: LoadConfigOptions) {
  return realLoadConfig({
    serviceConfs: { nova: path.join(dir, 'etc', 'nova.conf'), cinder: path.join(dir, 'etc', 'cinder.conf') },
    systemCloudsYaml: path.join(dir, 'etc', 'clouds.yaml'),
    userConfigPath: path.join(dir, 'user', 'config.yaml'),
    ...opts,
  });
}

async function write(rel: string, content: string | Buffer): Promise<string> {
  const p = path.join(dir, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  return p;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const e = err as ConfigError;
  expect(e.hint, 'every ConfigError says what to do').toBeTruthy();
  expect(e.message).not.toMatch(/Cannot read properties|URI malformed|undefined/);
  return e;
}

function syncConfigError(f: () => unknown): ConfigError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).hint).toBeTruthy();
  return err as ConfigError;
}

const conf = (conn: string) => `[database]\nconnection = ${conn}\n`;
let dbs: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bad-config-'));
  env = {
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
    XDG_STATE_HOME: path.join(dir, 'xdg-state'),
    ...osEnv,
  };
  await write('nova.conf', conf('mysql+pymysql://nova:pw@127.0.0.1/nova'));
  await write('cinder.conf', conf('mysql+pymysql://cinder:pw@127.0.0.1/cinder'));
  dbs = `databases:\n  nova: { conf: ${dir}/nova.conf }\n  cinder: { conf: ${dir}/cinder.conf }\n`;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('1. an explicit config that is empty, missing or a directory is an error, never a fallback', () => {
  beforeEach(async () => {
    // Each fallback exists and is valid: taking one of them would make loadConfig succeed.
    await write('user/config.yaml', dbs);
    await write('env.yaml', dbs);
  });

  it("--config '' names --config", async () => {
    const err = await configError(loadConfig({ configPath: '', env: { ...env, NOVAOPS_CONFIG: path.join(dir, 'env.yaml') }, cwd: dir }));
    expect(err.message).toBe('--config was given an empty path');
    expect(err.hint).toMatch(/give the path of the novaops config file/);
    expect(() => locateConfigFile({ configPath: '', env, cwd: dir })).toThrow(ConfigError);
  });

  it('--config with only blanks is empty too', async () => {
    const err = await configError(loadConfig({ configPath: '  ', env, cwd: dir }));
    expect(err.message).toMatch(/--config was given an empty path/);
  });

  it('NOVAOPS_CONFIG set but empty names NOVAOPS_CONFIG and says to unset it or give a path', async () => {
    const err = await configError(loadConfig({ env: { ...env, NOVAOPS_CONFIG: '' }, cwd: dir }));
    expect(err.message).toBe('NOVAOPS_CONFIG is set but empty');
    expect(err.hint).toMatch(/unset it .* or give a path/);
  });

  it('a config path that is a directory names the path and the flag', async () => {
    await mkdir(path.join(dir, 'confdir'));
    const viaFlag = await configError(loadConfig({ configPath: path.join(dir, 'confdir'), env, cwd: dir }));
    expect(viaFlag.message).toBe(`config ${path.join(dir, 'confdir')} (from --config) is a directory, not a file`);
    expect(viaFlag.hint).toContain(path.join(dir, 'confdir', 'config.yaml'));
    const viaEnv = await configError(loadConfig({ env: { ...env, NOVAOPS_CONFIG: 'confdir' }, cwd: dir }));
    expect(viaEnv.message).toBe(`config ${path.join(dir, 'confdir')} (from NOVAOPS_CONFIG) is a directory, not a file`);
  });

  it('a user config that is a directory is named, not skipped', async () => {
    await rm(path.join(dir, 'user'), { recursive: true });
    await mkdir(path.join(dir, 'user', 'config.yaml'), { recursive: true });
    const err = await configError(loadConfig({ env, cwd: dir }));
    expect(err.message).toBe(`config ${path.join(dir, 'user', 'config.yaml')} (the user config) is a directory, not a file`);
  });

  it('a config that is a named pipe is refused without blocking on it', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const err = await configError(loadConfig({ configPath: fifo, env, cwd: dir }));
    expect(err.message).toBe(`config ${fifo} (from --config) is not a regular file`);
  });

  it('a missing NOVAOPS_CONFIG file is an error, not a fallback to the user config', async () => {
    const err = await configError(loadConfig({ env: { ...env, NOVAOPS_CONFIG: path.join(dir, 'nope.yaml') }, cwd: dir }));
    expect(err.message).toBe(`config ${path.join(dir, 'nope.yaml')} (from NOVAOPS_CONFIG) does not exist`);
  });

  it('an unreadable config says so (not "fix the YAML syntax")', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const p = await write('locked.yaml', dbs);
    await chmod(p, 0o000);
    const err = await configError(loadConfig({ configPath: p, env, cwd: dir }));
    expect(err.message).toBe(`cannot read config ${p} (from --config): permission denied`);
  });
});

describe('2. an oversized config is refused by its size, before it is read', () => {
  it('a config over 1 MiB: names the file and the size, returns at once', async () => {
    // Valid YAML that would take seconds to parse: 20,000 hosts.
    const hosts = Array.from({ length: 20_000 }, (_, i) => `  compute${i}: { via: ssh, address: 10.0.${(i >> 8) & 255}.${i & 255}, user: root }`).join('\n');
    const p = await write('huge.yaml', `${dbs}hosts:\n${hosts}\n`);
    const started = Date.now();
    const err = await configError(loadConfig({ configPath: p, env, cwd: dir }));
    expect(Date.now() - started).toBeLessThan(1000); // parsing it would take seconds
    expect(err.message).toMatch(new RegExp(`^config ${p.replace(/[.]/g, '\\.')} \\(from --config\\) is 1\\.\\d MiB \\(\\d+ bytes\\); a novaops config may be at most 1 MiB, so it was not read$`));
    expect(err.hint).toMatch(/right file/);
  });

  it('exactly 1 MiB is read; one byte more is not', async () => {
    const head = `${dbs}# `;
    const exact = await write('exact.yaml', head + 'x'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(head) - 1) + '\n');
    expect((await loadConfig({ configPath: exact, env, cwd: dir })).source).toBe(exact);
    const over = await write('over.yaml', head + 'x'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(head)) + '\n');
    expect((await configError(loadConfig({ configPath: over, env, cwd: dir }))).message).toMatch(/\(1048577 bytes\).*at most 1 MiB/);
  });

  it('the lab config found through the state dir is limited too', async () => {
    const lab = await write('xdg-state/novaops/lab/novaops.yaml', `${dbs}#${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    const err = await configError(loadConfig({ env, cwd: dir }));
    expect(err.message).toContain(`config ${lab} (the running lab's config) is 1.0 MiB`);
  });
});

describe('3. malformed percent-encoding in a database URL', () => {
  const secret = 'p%zzw0rd-s3cret';

  it('parseDbUrl names the source and the part, never the URL or the password', () => {
    for (const [url, part] of [
      [`mysql+pymysql://nova:${secret}@db.example/nova`, 'password'],
      ['mysql+pymysql://no%gva:pw@db.example/nova', 'user'],
      ['mysql+pymysql://nova:pw@db.example/no%va', 'database name'],
      ['mysql://nova:50%@db.example/nova', 'password'],
    ] as const) {
      const err = syncConfigError(() => parseDbUrl(url, 'config /x/novaops.yaml databases.nova.url'));
      expect(err.message).toBe(
        `config /x/novaops.yaml databases.nova.url: the ${part} in the ${url.split(':')[0]} connection URL has malformed percent-encoding (a % not followed by two hex digits)`,
      );
      expect(err.hint).toMatch(/must be percent-encoded: % as %25/);
      expect(`${err.message} ${err.hint}`).not.toContain('zzw');
      expect(`${err.message} ${err.hint}`).not.toContain('db.example');
    }
  });

  it('from nova.conf: names the file and [database] connection', async () => {
    const p = await write('bad-nova.conf', conf(`mysql+pymysql://nova:${secret}@10.0.0.1/nova?charset=utf8`));
    const err = await configError(readDbFromConf(p));
    expect(err.message).toMatch(new RegExp(`^${p.replace(/[.]/g, '\\.')} \\[database\\] connection: the password in the mysql\\+pymysql connection URL has malformed percent-encoding`));
    expect(err.message + err.hint).not.toContain(secret);
    expect(err.message + err.hint).not.toContain('s3cret');
  });

  it('from the novaops config: names the file and databases.<name>.url', async () => {
    const p = await write('cfg.yaml', `databases:\n  nova: { url: "mysql+pymysql://nova:${secret}@10.0.0.1/nova" }\n  cinder: { conf: ${dir}/cinder.conf }\n`);
    const err = await configError(loadConfig({ configPath: p, env, cwd: dir }));
    expect(err.message).toMatch(new RegExp(`^config ${p.replace(/[.]/g, '\\.')} databases\\.nova\\.url: the password in the mysql\\+pymysql connection URL has malformed percent-encoding`));
    expect(err.message + err.hint).not.toContain('s3cret');
  });

  it('well-formed escapes still decode', () => {
    expect(parseDbUrl('mysql+pymysql://n%6Fva:p%25%40w@h/nova', 's')).toMatchObject({ user: 'nova', password: 'p%@w' });
  });
});

describe('4. a state directory that cannot be one is found when the config loads', () => {
  it('NOVAOPS_STATE_DIR is a regular file: names it and NOVAOPS_STATE_DIR; nothing is created', async () => {
    const file = await write('state-file', 'not a directory\n');
    const cfg = await write('cfg.yaml', dbs);
    const err = await configError(loadConfig({ configPath: cfg, env: { ...env, NOVAOPS_STATE_DIR: file }, cwd: dir }));
    expect(err.message).toBe(`state directory ${file} (from NOVAOPS_STATE_DIR) exists but is not a directory (regular file)`);
    expect(err.hint).toMatch(/NOVAOPS_STATE_DIR/);
  });

  it('a parent of it is a file (ENOTDIR): names that file', async () => {
    const file = await write('plain', 'x');
    const cfg = await write('cfg.yaml', dbs);
    const stateDir = path.join(file, 'sub', 'state');
    const err = await configError(loadConfig({ configPath: cfg, env: { ...env, NOVAOPS_STATE_DIR: stateDir }, cwd: dir }));
    expect(err.message).toBe(`state directory ${stateDir} (from NOVAOPS_STATE_DIR) cannot be created: ${file} is a regular file, not a directory`);
  });

  it('state_dir in the config: names the key and the config file', async () => {
    await write('state-file', 'x');
    const cfg = await write('cfg.yaml', `${dbs}state_dir: state-file\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toBe(`state directory ${path.join(dir, 'state-file')} (state_dir in config ${cfg}) exists but is not a directory (regular file)`);
    expect(err.hint).toMatch(/state_dir/);
  });

  it('the XDG default whose parent is a file', async () => {
    await write('xdg-state', 'x');
    const cfg = await write('cfg.yaml', dbs);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toContain(`state directory ${path.join(dir, 'xdg-state', 'novaops')} (from XDG_STATE_HOME) cannot be created: ${path.join(dir, 'xdg-state')} is a regular file`);
  });

  it('absent with creatable ancestors is fine, and loading the config does not create it', async () => {
    const cfg = await write('cfg.yaml', dbs);
    const stateDir = path.join(dir, 'a', 'b', 'state');
    const c = await loadConfig({ configPath: cfg, env: { ...env, NOVAOPS_STATE_DIR: stateDir }, cwd: dir });
    expect(c.stateDir).toBe(stateDir);
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
  });

  it('an existing directory is fine', async () => {
    await mkdir(path.join(dir, 'state'));
    expect(() => checkStateDir(path.join(dir, 'state'), 'from NOVAOPS_STATE_DIR')).not.toThrow();
  });

  it('a dangling symbolic link is named', async () => {
    await symlink(path.join(dir, 'gone'), path.join(dir, 'link'));
    const err = syncConfigError(() => checkStateDir(path.join(dir, 'link'), 'from NOVAOPS_STATE_DIR'));
    expect(err.message).toBe(`state directory ${path.join(dir, 'link')} (from NOVAOPS_STATE_DIR) is a symbolic link to something that does not exist`);
  });

  it('a parent without write permission is named', async () => {
    if (process.getuid?.() === 0) return; // root may write anywhere
    await mkdir(path.join(dir, 'ro'));
    await chmod(path.join(dir, 'ro'), 0o555);
    const err = syncConfigError(() => checkStateDir(path.join(dir, 'ro', 'state')));
    expect(err.message).toContain(`no write permission in ${path.join(dir, 'ro')}`);
    await chmod(path.join(dir, 'ro'), 0o755);
  });

  it('checkStateDir creates nothing', async () => {
    const before = await readdir(dir);
    checkStateDir(path.join(dir, 'x', 'y', 'z'));
    expect(await readdir(dir)).toEqual(before);
  });
});

describe('6. host aliases under hosts: are host names', () => {
  it('an alias that is not a host name: ConfigError naming hosts.<alias>', async () => {
    const cfg = await write('cfg.yaml', `${dbs}hosts:\n  "compute 1;rm": { via: local }\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toBe(`config ${cfg}: hosts.compute 1;rm: 'compute 1;rm' is not a valid host name (letters, digits, hyphens, dots)`);
    expect(err.hint).toMatch(/Nova names it/);
  });

  it('a 10,000-character alias is shown cut, not whole', async () => {
    const alias = `a_${'b'.repeat(9_998)}`;
    // An explicit key (`? `): YAML limits implicit keys to 1,024 characters.
    const cfg = await write('cfg.yaml', `${dbs}hosts:\n  ? ${alias}\n  : { via: local }\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toMatch(/^config .*: hosts \(a host name\): 'a_b+…' \(10000 characters\) is not a valid host name/);
    expect(err.message.length).toBeLessThan(400);
  });

  it('an ssh address that is neither a host name nor an IP: names hosts.<alias>.address', async () => {
    const cfg = await write('cfg.yaml', `${dbs}hosts:\n  compute1: { via: ssh, address: "-oProxyCommand=x" }\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toBe(`config ${cfg}: hosts.compute1.address: '-oProxyCommand=x' is neither a host name nor an IP address`);
  });

  it('nova_conf: paths on the host, absolute, in order; a relative one is named', async () => {
    const bad = await write('cfg.yaml', `${dbs}hosts:\n  compute1: { via: local, nova_conf: [/etc/nova/nova.conf, nova-compute.conf] }\n`);
    const err = await configError(loadConfig({ configPath: bad, env, cwd: dir }));
    expect(err.message).toBe(`config ${bad}: hosts.compute1.nova_conf: 'nova-compute.conf' is not an absolute path`);
    const good = await write('cfg.yaml', `${dbs}hosts:\n  compute2: { via: ssh, address: "::1", nova_conf: [/etc/nova/nova.conf, /etc/nova/nova-compute2.conf] }\n`);
    expect((await loadConfig({ configPath: good, env, cwd: dir })).hosts.compute2).toMatchObject({ novaConf: ['/etc/nova/nova.conf', '/etc/nova/nova-compute2.conf'] });
  });

  it('valid aliases (FQDNs too) load', async () => {
    const cfg = await write('cfg.yaml', `${dbs}hosts:\n  compute-01.example.com: { via: local }\n  compute2: { via: ssh, address: "::1" }\n`);
    const c = await loadConfig({ configPath: cfg, env, cwd: dir });
    expect(Object.keys(c.hosts)).toEqual(['compute-01.example.com', 'compute2']);
  });
});

describe('clouds.yaml that cannot be read', () => {
  it('a directory is named as one, not as a YAML syntax error', async () => {
    await mkdir(path.join(dir, 'clouds.yaml'));
    const cfg = await write('cfg.yaml', `${dbs}cloud: lab\nclouds_yaml: clouds.yaml\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toBe(`cannot read ${path.join(dir, 'clouds.yaml')}: it is a directory`);
    expect(err.hint).not.toMatch(/YAML syntax/);
  });
});

describe('no secret in any of these messages', () => {
  it('a config with a password and a bad key reports the key, not the password', async () => {
    const cfg = await write('cfg.yaml', `databases:\n  nova: { url: "mysql+pymysql://nova:hunter2-secret@h/nova" }\n  cinder: { conf: ${dir}/cinder.conf }\nstate_dir: ${dir}/nova.conf\n`);
    const err = await configError(loadConfig({ configPath: cfg, env, cwd: dir }));
    expect(err.message).toContain('state_dir');
    expect(err.message + err.hint).not.toContain('hunter2');
    expect(err.message + err.hint).not.toContain(osEnv.OS_PASSWORD);
  });
});
