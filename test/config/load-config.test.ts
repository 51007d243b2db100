import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig as realLoadConfig, resolveStateDir, type LoadConfigOptions } from '../../src/config/load-config.js';
import { parseDbUrl, readDbFromConf } from '../../src/config/db-connection.js';

let dir: string;
let env: NodeJS.ProcessEnv;

/**
 * loadConfig with every default search path in the temp dir: no test reads the machine's
 * /etc/nova/nova.conf, /etc/cinder/cinder.conf or /etc/openstack/clouds.yaml (a host with a real
 * OpenStack has them).
 */
function loadConfig(opts: LoadConfigOptions) {
  return realLoadConfig({
    serviceConfs: { nova: path.join(dir, 'etc', 'nova', 'nova.conf'), cinder: path.join(dir, 'etc', 'cinder', 'cinder.conf') },
    systemCloudsYaml: path.join(dir, 'etc', 'openstack', 'clouds.yaml'),
    ...opts,
  });
}

const novaConf = (conn: string) => `[DEFAULT]\n# a comment\ndebug = true\n\n[api_database]\nconnection = mysql+pymysql://api:x@h/nova_api\n\n[database]\nconnection = ${conn}\n`;

async function write(rel: string, content: string): Promise<string> {
  const p = path.join(dir, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-config-'));
  env = { HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state') };
  await write('nova.conf', novaConf('mysql+pymysql://nova:n0va%40pw@db.example:3307/nova_cell1?charset=utf8'));
  await write('cinder.conf', novaConf('mysql://cinder:cpw@db.example/cinder'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dbs = `databases:\n  nova: { conf: nova.conf }\n  cinder: { conf: cinder.conf }\n`;

describe('database connections', () => {
  it('reads [database] connection from nova.conf with an encoded password and a port', async () => {
    const db = await readDbFromConf(path.join(dir, 'nova.conf'));
    expect(db).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'nova',
      password: 'n0va@pw',
      database: 'nova_cell1',
      source: `${path.join(dir, 'nova.conf')} [database] connection`,
      url: 'mysql+pymysql://nova:n0va%40pw@db.example:3307/nova_cell1?charset=utf8',
    });
  });

  it('accepts mysql:// and mysql+mysqldb:// and defaults the port to 3306', () => {
    expect(parseDbUrl('mysql://u:p@10.0.0.5/cinder', 's')).toMatchObject({ host: '10.0.0.5', port: 3306, user: 'u', password: 'p', database: 'cinder' });
    expect(parseDbUrl('mysql+mysqldb://u:p%2Fq%23r@[::1]:3310/nova', 's')).toMatchObject({ host: '::1', port: 3310, password: 'p/q#r' });
  });

  it('keeps an inline # or ; in the value (oslo.config does not treat them as comments)', async () => {
    const p = await write('odd.conf', '[database]\nconnection = mysql+pymysql://nova:a%23b@h/nova?charset=utf8 \n');
    expect((await readDbFromConf(p)).password).toBe('a#b');
  });

  it('refuses sqlite and postgresql naming the file and the scheme, without the password', async () => {
    const p = await write('pg.conf', '[database]\nconnection = postgresql://nova:s3cret@h/nova\n');
    const err = await errorOf(readDbFromConf(p));
    expect(err.message).toContain(p);
    expect(err.message).toContain("'postgresql'");
    expect(err.message).toContain('MySQL/MariaDB');
    expect(err.message).not.toContain('s3cret');
    expect(() => parseDbUrl('sqlite:////var/lib/nova/nova.sqlite', 'x.conf')).toThrow(/sqlite/);
  });

  it('names a missing [database] section', async () => {
    const p = await write('empty.conf', '[DEFAULT]\ndebug = true\n');
    expect((await errorOf(readDbFromConf(p))).message).toMatch(/no \[database\] connection/);
  });
});

describe('loadConfig', () => {
  it('uses OS_CLOUD and clouds.yaml (with secure.yaml merged)', async () => {
    await write('home/.config/openstack/clouds.yaml', 'clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:5000\n      username: admin\n      project_name: admin\n      user_domain_name: Default\n    region_name: RegionOne\n    interface: internal\n');
    await write('home/.config/openstack/secure.yaml', 'clouds:\n  lab:\n    auth:\n      password: topsecret\n');
    const cfgPath = await write('cfg.yaml', dbs);
    const config = await loadConfig({ configPath: cfgPath, env: { ...env, OS_CLOUD: 'lab' }, cwd: dir });
    expect(config.cloud).toMatchObject({
      authUrl: 'http://127.0.0.1:5000/v3',
      username: 'admin',
      password: 'topsecret',
      projectName: 'admin',
      projectDomainName: 'Default',
      regionName: 'RegionOne',
      interface: 'internal',
    });
    expect(config.cloud.source).toContain('cloud "lab"');
    expect(config.cloudName).toBe('lab');
    expect(config.api).toEqual({ concurrency: 16, timeoutMs: 30000, noAnswerStopMs: 60000 });
    expect(config.poll).toEqual({ initialMs: 250, maxMs: 5000, timeoutMs: 600000 });
    expect(config.stateDir).toBe(path.join(dir, 'xdg-state', 'novaops'));
  });

  it('uses OS_* variables with domain defaults', async () => {
    const cfgPath = await write('cfg.yaml', dbs);
    const config = await loadConfig({
      configPath: cfgPath,
      env: { ...env, OS_AUTH_URL: 'https://keystone.example:5000/v3/', OS_USERNAME: 'ops', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'admin', OS_REGION_NAME: 'R2' },
      cwd: dir,
    });
    expect(config.cloud).toEqual({
      authUrl: 'https://keystone.example:5000/v3',
      username: 'ops',
      password: 'pw',
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      regionName: 'R2',
      interface: 'public',
      source: 'OS_* environment',
    });
    expect(config.cloudName).toBe('keystone.example-5000');
  });

  it('reads the full file format, resolving paths relative to the config file', async () => {
    await write('clouds.yaml', 'clouds:\n  novaops-lab:\n    auth: { auth_url: "http://127.0.0.1:1/v3", username: u, password: p, project_name: pr }\n');
    const cfgPath = await write(
      'cfg.yaml',
      `cloud: novaops-lab
clouds_yaml: clouds.yaml
state_dir: state
databases:
  nova: { url: "mysql+pymysql://root:@127.0.0.1:3306/nova" }
  cinder: { conf: cinder.conf }
hosts:
  compute1: { via: local, path_prepend: [bin], env: { LAB_ROOT: /x } }
  compute2: { via: ssh, address: 127.0.0.1, port: 2222, user: root, identity_file: ~/.ssh/id_ed25519, known_hosts_file: kh }
guests: { user: cloud-user, address_from: floating }
api: { concurrency: 4, timeout_ms: 1000, no_answer_stop_ms: 90000 }
poll: { initial_ms: 10, max_ms: 20, timeout_ms: 30 }
`,
    );
    const c = await loadConfig({ configPath: cfgPath, env, cwd: '/' });
    expect(c.source).toBe(cfgPath);
    expect(c.stateDir).toBe(path.join(dir, 'state'));
    expect(c.databases.nova).toMatchObject({ host: '127.0.0.1', user: 'root', password: '', database: 'nova' });
    expect(c.databases.cinder.database).toBe('cinder');
    expect(c.hosts.compute1).toEqual({ via: 'local', pathPrepend: [path.join(dir, 'bin')], env: { LAB_ROOT: '/x' } });
    expect(c.hosts.compute2).toEqual({
      via: 'ssh',
      address: '127.0.0.1',
      port: 2222,
      user: 'root',
      identityFile: path.join(dir, 'home', '.ssh', 'id_ed25519'),
      knownHostsFile: path.join(dir, 'kh'),
    });
    expect(c.guests).toEqual({ user: 'cloud-user', port: 22, addressFrom: 'floating', identityFile: undefined, knownHostsFile: undefined });
    expect(c.api).toEqual({ concurrency: 4, timeoutMs: 1000, noAnswerStopMs: 90000 });
    expect(c.poll).toEqual({ initialMs: 10, maxMs: 20, timeoutMs: 30 });
  });

  it('rejects unknown keys, naming them', async () => {
    const cfgPath = await write('cfg.yaml', `${dbs}hosts:\n  c1: { via: local, pathprepend: [x] }\nbogus: 1\n`);
    const err = await errorOf(loadConfig({ configPath: cfgPath, env, cwd: dir }));
    expect(err.message).toContain(`config ${cfgPath}`);
    expect(err.message).toContain('bogus');
    expect(err.message).toContain('hosts.c1.pathprepend');
    expect(err.hint).toBeTruthy();
  });

  it('says what a database entry must look like', async () => {
    const cfgPath = await write('cfg.yaml', 'databases:\n  nova: { file: x }\n');
    const err = await errorOf(loadConfig({ configPath: cfgPath, env, cwd: dir }));
    expect(err.message).toBe(`config ${cfgPath}: databases.nova: expected { conf } or { url }`);
  });

  it('without credentials says how to give them', async () => {
    const cfgPath = await write('cfg.yaml', dbs);
    const err = await errorOf(loadConfig({ configPath: cfgPath, env, cwd: dir }));
    expect(err.message).toMatch(/no OpenStack credentials: set OS_CLOUD or OS_AUTH_URL/);
  });

  it('names the clouds.yaml entries when OS_CLOUD is wrong', async () => {
    await write('clouds.yaml', 'clouds:\n  a: {}\n  b: {}\n');
    const cfgPath = await write('cfg.yaml', dbs);
    const err = await errorOf(loadConfig({ configPath: cfgPath, env: { ...env, OS_CLOUD: 'zzz' }, cwd: dir }));
    expect(err.message).toContain("cloud 'zzz' is not in");
    expect(err.message).toContain('a, b');
  });

  describe('config file precedence', () => {
    const osEnv = { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'p' };

    it('--config > NOVAOPS_CONFIG > XDG config > lab config > defaults', async () => {
      const abs = (n: number) => `databases:\n  nova: { conf: ${dir}/nova.conf }\n  cinder: { conf: ${dir}/cinder.conf }\napi: { concurrency: ${n} }\n`;
      const flag = await write('flag.yaml', abs(1));
      const fromEnv = await write('env.yaml', abs(2));
      const user = await write('xdg-config/novaops/config.yaml', abs(3));
      const lab = await write('xdg-state/novaops/lab/novaops.yaml', abs(4));
      const e: NodeJS.ProcessEnv = { ...env, ...osEnv, NOVAOPS_CONFIG: fromEnv };
      expect((await loadConfig({ configPath: flag, env: e, cwd: dir })).api.concurrency).toBe(1);
      expect((await loadConfig({ env: e, cwd: dir })).api.concurrency).toBe(2);
      delete e.NOVAOPS_CONFIG;
      expect((await loadConfig({ env: e, cwd: dir })).source).toBe(user);
      await rm(user);
      expect((await loadConfig({ env: e, cwd: dir })).source).toBe(lab);
      await rm(lab);
      // No file at all: the databases come from the default nova.conf (here in the temp dir, absent).
      const err = await errorOf(loadConfig({ env: e, cwd: dir }));
      expect(err.message).toContain(path.join(dir, 'etc', 'nova', 'nova.conf'));
      expect(err.message).toMatch(/no novaops config file was found/);
      // ... and when those files exist, they are what is used.
      await write('etc/nova/nova.conf', novaConf('mysql+pymysql://nova:pw@10.1.1.1/nova'));
      await write('etc/cinder/cinder.conf', novaConf('mysql+pymysql://cinder:pw@10.1.1.2/cinder'));
      const c = await loadConfig({ env: e, cwd: dir });
      expect(c.source).toBe('defaults');
      expect(c.databases.nova).toMatchObject({ host: '10.1.1.1', database: 'nova', source: `${path.join(dir, 'etc', 'nova', 'nova.conf')} [database] connection` });
      expect(c.databases.cinder).toMatchObject({ host: '10.1.1.2', database: 'cinder' });
    });

    it('the user config path can be given (the CLI uses ~/.config/novaops/config.yaml)', async () => {
      const user = await write('elsewhere/user.yaml', `databases:\n  nova: { conf: ${dir}/nova.conf }\n  cinder: { conf: ${dir}/cinder.conf }\napi: { concurrency: 7 }\n`);
      const c = await loadConfig({ env: { ...env, ...osEnv }, cwd: dir, userConfigPath: user });
      expect(c.source).toBe(user);
      expect(c.api.concurrency).toBe(7);
    });

    it('the system clouds.yaml path can be given (the CLI uses /etc/openstack/clouds.yaml)', async () => {
      await write('etc/openstack/clouds.yaml', 'clouds:\n  sys:\n    auth: { auth_url: "http://127.0.0.1:1/v3", username: u, password: p, project_name: pr }\n');
      const cfgPath = await write('cfg.yaml', dbs);
      const c = await loadConfig({ configPath: cfgPath, env: { ...env, OS_CLOUD: 'sys' }, cwd: dir });
      expect(c.cloud.source).toBe(`clouds.yaml (${path.join(dir, 'etc', 'openstack', 'clouds.yaml')}) cloud "sys"`);
    });

    it('NOVAOPS_STATE_DIR decides where the lab config is looked for', async () => {
      const lab = await write('custom-state/lab/novaops.yaml', `databases:\n  nova: { conf: ${dir}/nova.conf }\n  cinder: { conf: ${dir}/cinder.conf }\n`);
      const e = { ...env, ...osEnv, NOVAOPS_STATE_DIR: path.join(dir, 'custom-state') };
      const c = await loadConfig({ env: e, cwd: dir });
      expect(c.source).toBe(lab);
      expect(c.stateDir).toBe(path.join(dir, 'custom-state'));
    });

    it('a missing --config file is an error, not a fallback', async () => {
      const err = await errorOf(loadConfig({ configPath: path.join(dir, 'nope.yaml'), env: { ...env, ...osEnv }, cwd: dir }));
      expect(err.message).toMatch(/does not exist/);
    });
  });
});

describe('resolveStateDir', () => {
  it('NOVAOPS_STATE_DIR > XDG_STATE_HOME > ~/.local/state', () => {
    expect(resolveStateDir({ NOVAOPS_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/s');
    expect(resolveStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/x/novaops');
    expect(resolveStateDir({ HOME: '/h' })).toBe('/h/.local/state/novaops');
  });
});
