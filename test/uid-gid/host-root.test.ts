// `root:` under a host in the novaops config: where that host's files are (the lab's host
// directories); absent or '/', a real host. The uid-gid runbook reads it through ctx.hostRoot().
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-root-'));
  await mkdir(path.join(dir, 'etc'), { recursive: true });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function load(hosts: string) {
  await writeFile(path.join(dir, 'clouds.yaml'), 'clouds:\n  c:\n    auth: { auth_url: "http://127.0.0.1:1/v3", username: u, password: p, project_name: pr }\n');
  const file = path.join(dir, 'cfg.yaml');
  await writeFile(
    file,
    `cloud: c\nclouds_yaml: clouds.yaml\nstate_dir: state\ndatabases:\n  nova: { url: "mysql+pymysql://root:@127.0.0.1:3306/nova" }\n  cinder: { url: "mysql+pymysql://root:@127.0.0.1:3306/cinder" }\nhosts:\n${hosts}\n`,
  );
  return loadConfig({
    configPath: file,
    env: { HOME: path.join(dir, 'home') },
    cwd: '/',
    serviceConfs: { nova: path.join(dir, 'etc', 'nova.conf'), cinder: path.join(dir, 'etc', 'cinder.conf') },
    systemCloudsYaml: path.join(dir, 'etc', 'clouds.yaml'),
  });
}

describe('hosts.<name>.root', () => {
  it('is resolved against the config file for local and ssh hosts; absent or / is a real host', async () => {
    const c = await load(
      [
        '  lab1: { via: local, root: hosts/lab1, path_prepend: [hosts/lab1/bin] }',
        '  real1: { via: ssh, address: 10.0.0.5 }',
        '  real2: { via: ssh, address: 10.0.0.6, root: / }',
        '  chroot: { via: ssh, address: 10.0.0.7, root: /srv/image }',
      ].join('\n'),
    );
    expect(c.hosts.lab1.root).toBe(path.join(dir, 'hosts', 'lab1'));
    expect(c.hosts.real1.root).toBeUndefined();
    expect(c.hosts.real2.root).toBeUndefined();
    expect(c.hosts.chroot.root).toBe('/srv/image');
  });

  it('an empty root is a config error', async () => {
    await expect(load('  lab1: { via: local, root: "" }')).rejects.toBeInstanceOf(ConfigError);
  });
});
