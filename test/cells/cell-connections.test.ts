// Where each cell's database is: the mapping's URL, its template filled as Nova fills it, or the
// operator's override; and where the mappings are, from the config.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cellConnections, CELL0_UUID } from '../../src/config/cell-connections.js';
import { parseDbUrl } from '../../src/config/db-connection.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load-config.js';

const apiHost = parseDbUrl('mysql+pymysql://nova:p%40ss%3Aw@db.internal:3307/nova_cell0?charset=utf8', 'nova.conf [database] connection');

describe('cell connections from nova_api.cell_mappings', () => {
  it('takes a full URL as it is, and names cell0 by its well-known uuid', () => {
    const [cell0, cell1] = cellConnections(
      [
        { uuid: CELL0_UUID, name: null, databaseConnection: 'mysql+pymysql://nova:a@db0/nova_cell0' },
        { uuid: '5f3c', name: 'cell1', databaseConnection: 'mysql+pymysql://nova:b@db1:3308/nova_cell1' },
      ],
      apiHost,
    );
    expect(cell0).toMatchObject({ name: 'cell0', cell0: true, connection: { host: 'db0', database: 'nova_cell0', password: 'a' } });
    expect(cell1).toMatchObject({ name: 'cell1', cell0: false, connection: { host: 'db1', port: 3308, database: 'nova_cell1', password: 'b' } });
  });

  it("fills a template from the API host's [database] connection, the password still encoded as Nova does", () => {
    const [cell] = cellConnections([{ uuid: 'c2', name: 'cell2', databaseConnection: '{scheme}://{username}:{password}@{hostname}:{port}/nova_cell2?{query}' }], apiHost);
    expect(cell.connection).toMatchObject({ host: 'db.internal', port: 3307, user: 'nova', password: 'p@ss:w', database: 'nova_cell2' });
    expect(cell.connection.source).toMatch(/cell_mappings \(cell cell2\)/);
  });

  it("prefers the operator's databases.cells entry, by name or uuid", () => {
    const override = parseDbUrl('mysql://ops:o@127.0.0.1:13306/nova_cell2', 'config databases.cells.cell2.url');
    const [cell] = cellConnections([{ uuid: 'c2', name: 'cell2', databaseConnection: 'mysql+pymysql://nova:x@10.9.9.9/nova_cell2' }], apiHost, { cell2: override });
    expect(cell.connection).toBe(override);
    const [byUuid] = cellConnections([{ uuid: 'c2', name: null, databaseConnection: null }], apiHost, { c2: override });
    expect(byUuid).toMatchObject({ name: 'c2', connection: override });
  });

  it('names the cell and what to do when its URL cannot be had', () => {
    const errorOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    };
    const unknown = errorOf(() => cellConnections([{ uuid: 'c', name: 'cell3', databaseConnection: '{scheme}://{user}@h/x' }], apiHost));
    expect(unknown).toBeInstanceOf(ConfigError);
    expect(unknown.message).toMatch(/cell cell3: .*unknown field \{user\}/);
    expect(unknown.hint).toMatch(/databases\.cells\.cell3\.url/);
    const noBase = errorOf(() => cellConnections([{ uuid: 'c', name: 'cell3', databaseConnection: '{scheme}://h/x' }], { ...apiHost, url: undefined }));
    expect(noBase.message).toMatch(/cell cell3: .*template/);
    const none = errorOf(() => cellConnections([{ uuid: 'c', name: 'cell4', databaseConnection: null }], apiHost));
    expect(none.message).toMatch(/cell cell4 has no database_connection/);
    // A password never reaches a message.
    for (const e of [unknown, noBase, none]) expect(`${e.message} ${e.hint}`).not.toMatch(/p@ss|p%40ss/);
  });
});

describe('where the mappings are: the config', () => {
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ HOME: path.join(dir, 'home'), OS_AUTH_URL: 'http://127.0.0.1:5000/v3', OS_USERNAME: 'a', OS_PASSWORD: 'b', OS_PROJECT_NAME: 'c' });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-cells-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const load = (configText: string) => write('novaops.yaml', configText).then((p) => loadConfig({ configPath: p, env: env(), cwd: dir }));

  it('reads [api_database] beside [database] of the nova conf; a cell conductor file without it means one cell', async () => {
    await write('api.conf', '[database]\nconnection = mysql+pymysql://nova:n@h/nova_cell0\n[api_database]\nconnection = mysql+pymysql://api:s3cret-api@h/nova_api\n');
    await write('cell.conf', '[database]\nconnection = mysql+pymysql://nova:n@h/nova_cell1\n');
    await write('cinder.conf', '[database]\nconnection = mysql://c:c@h/cinder\n');
    const mapped = await load('databases:\n  nova: { conf: api.conf }\n  cinder: { conf: cinder.conf }\n');
    expect(mapped.databases.novaApi).toMatchObject({ database: 'nova_api', user: 'api' });
    const single = await load('databases:\n  nova: { conf: cell.conf }\n  cinder: { conf: cinder.conf }\n');
    expect(single.databases.novaApi).toBeUndefined();
    const byUrl = await load('databases:\n  nova: { url: "mysql://n:n@h/nova" }\n  cinder: { conf: cinder.conf }\n');
    expect(byUrl.databases.novaApi).toBeUndefined();
  });

  it('takes databases.nova_api and databases.cells from the config, refusing a file that names no API database', async () => {
    await write('cell.conf', '[database]\nconnection = mysql+pymysql://nova:n@h/nova_cell1\n');
    await write('cinder.conf', '[database]\nconnection = mysql://c:c@h/cinder\n');
    const cfg = await load(
      'databases:\n  nova: { conf: cell.conf }\n  cinder: { conf: cinder.conf }\n  nova_api: { url: "mysql://api:k3y-api@127.0.0.1/nova_api" }\n  cells:\n    cell2: { url: "mysql://ops:0ps-pw@127.0.0.1:13306/nova_cell2" }\n',
    );
    expect(cfg.databases.novaApi).toMatchObject({ database: 'nova_api' });
    expect(cfg.databases.cells?.cell2).toMatchObject({ port: 13306, database: 'nova_cell2' });
    const err = await load('databases:\n  nova: { conf: cell.conf }\n  cinder: { conf: cinder.conf }\n  nova_api: { conf: cell.conf }\n').catch((e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/no \[api_database\] connection/);
    const bad = await load('databases:\n  nova: { conf: cell.conf }\n  cinder: { conf: cinder.conf }\n  cells:\n    cell2: { url: "postgres://x@h/y" }\n').catch((e: unknown) => e as ConfigError);
    expect((bad as ConfigError).message).toMatch(/databases\.cells\.cell2\.url.*not supported/);
  });
});
