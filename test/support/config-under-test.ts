// A config file of the test's own, in a fresh directory per test, loaded the way the CLI loads it
// but with nothing of the machine's (no user config, no system clouds.yaml): the ssh and proxy_jump
// tests write only the section they are about, on top of two databases and OS_* credentials.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

const env = { OS_AUTH_URL: 'http://127.0.0.1:1/v3', OS_USERNAME: 'u', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'p' };
const dbs = 'databases:\n  nova: { url: "mysql://n:x@127.0.0.1/nova" }\n  cinder: { url: "mysql://c:x@127.0.0.1/cinder" }\n';

/** Registers the per-test directory; `load(yaml)` loads that YAML after the databases, `dir()` is where it lives. */
export function configUnderTest(prefix: string) {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    async load(yaml: string) {
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, dbs + yaml);
      return loadConfig({ configPath: file, env: { ...env, NOVAOPS_STATE_DIR: path.join(dir, 'state') }, cwd: dir, userConfigPath: path.join(dir, 'none.yaml'), systemCloudsYaml: path.join(dir, 'none.yaml') });
    },
  };
}
