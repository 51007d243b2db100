// Cells v2 in the lab (issue 13, "the lab learns what the bed shows"): nova_api with the real
// mapping tables, cell0 and cell2 beside cell1 (`nova`), nova.conf's [api_database], the mappings
// nova-manage writes, `--cells` checked once for every scenario, and `lab status` naming the cells.
import { readFile } from 'node:fs/promises';
import ini from 'ini';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { labScenarioCommand } from '../../src/cli/commands/lab.js';
import { exitCodeOf } from '../../src/cli/fail.js';
import { applyScenario, CELL0_UUID, formatCellUrl, labStatus, parseDbUrl } from '../../src/lab/index.js';
import { createTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let saved: string | undefined;
beforeAll(async () => {
  lab = await createTestLab({ hosts: 3 });
  saved = process.env.NOVAOPS_STATE_DIR;
  process.env.NOVAOPS_STATE_DIR = lab.stateDir;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.NOVAOPS_STATE_DIR;
  else process.env.NOVAOPS_STATE_DIR = saved;
  await lab?.destroy();
});

const schemas = () => lab.info.db.schemas;
const columns = async (schema: string, table: string) =>
  (
    await lab.rootQuery<{ c: string }[]>(
      'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
      [schema, table],
    )
  ).map((r) => r.c);
const indexes = async (schema: string, table: string) =>
  (
    await lab.rootQuery<{ k: string; u: number; cols: string }[]>(
      `SELECT index_name AS k, MIN(non_unique) AS u, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols
       FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? GROUP BY index_name ORDER BY index_name`,
      [schema, table],
    )
  )
    .map((r) => `${Number(r.u) === 0 ? 'UNIQUE ' : ''}${r.k}(${r.cols})`)
    .sort();
const cellMappings = () =>
  lab.rootQuery<any[]>(`SELECT id, uuid, name, transport_url, database_connection, disabled FROM \`${schemas().novaApi}\`.cell_mappings ORDER BY id`);
const tablesOf = async (schema: string) =>
  (await lab.rootQuery<{ t: string }[]>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [schema])).map((r) => r.t);

describe('lab up: cells v2', () => {
  test('nova_api, cell0 and cell2 beside cell1, with the names other code relies on', () => {
    const prefix = lab.info.db.prefix!;
    expect(schemas()).toMatchObject({ nova: `${prefix}nova`, novaApi: `${prefix}nova_api`, novaCell0: `${prefix}nova_cell0`, novaCell2: `${prefix}nova_cell2` });
  });

  test('the mapping tables have nova_api columns, uniques and indexes; every cell database has the same tables', async () => {
    const api = schemas().novaApi!;
    expect(await columns(api, 'cell_mappings')).toEqual(['created_at', 'updated_at', 'id', 'uuid', 'name', 'transport_url', 'database_connection', 'disabled']);
    expect(await columns(api, 'host_mappings')).toEqual(['created_at', 'updated_at', 'id', 'cell_id', 'host']);
    expect(await columns(api, 'instance_mappings')).toEqual(['created_at', 'updated_at', 'id', 'instance_uuid', 'cell_id', 'project_id', 'queued_for_delete', 'user_id']);
    expect(await indexes(api, 'cell_mappings')).toEqual(['UNIQUE PRIMARY(id)', 'UNIQUE uniq_cell_mappings0uuid(uuid)', 'uuid_idx(uuid)'].sort());
    expect(await indexes(api, 'host_mappings')).toEqual(['cell_id(cell_id)', 'host_idx(host)', 'UNIQUE PRIMARY(id)', 'UNIQUE uniq_host_mappings0host(host)'].sort());
    expect(await indexes(api, 'instance_mappings')).toEqual([
      'cell_id(cell_id)',
      'instance_mappings_user_id_project_id_idx(user_id,project_id)',
      'instance_uuid_idx(instance_uuid)',
      'project_id_idx(project_id)',
      'UNIQUE PRIMARY(id)',
      'UNIQUE uniq_instance_mappings0instance_uuid(instance_uuid)',
    ].sort());
    const cell1 = await tablesOf(schemas().nova);
    expect(cell1).toContain('instances');
    expect(await tablesOf(schemas().novaCell0!)).toEqual(cell1);
    expect(await tablesOf(schemas().novaCell2!)).toEqual(cell1);
  });

  test("nova.conf's [api_database] names nova_api with the lab user of [database]", async () => {
    const conf = ini.parse(await readFile(lab.info.novaConf, 'utf8'));
    const db = parseDbUrl(conf.database.connection);
    const api = parseDbUrl(conf.api_database.connection);
    expect(conf.api_database.connection).toMatch(/^mysql\+pymysql:\/\//);
    expect(api).toEqual({ ...db, database: schemas().novaApi });
  });

  test('a fresh lab maps cell0 and cell1 as nova-manage cell_v2 does, cell2 not yet', async () => {
    const rows = await cellMappings();
    const { user, password, host, port } = parseDbUrl((ini.parse(await readFile(lab.info.novaConf, 'utf8'))).database.connection);
    const url = (schema: string) => `mysql+pymysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${schema}`;
    expect(rows.map((r) => [r.id, r.uuid === CELL0_UUID, r.name, r.database_connection, r.disabled])).toEqual([
      [1, true, 'cell0', url(schemas().novaCell0!), 0],
      [2, false, 'cell1', url(schemas().nova), 0],
    ]);
    expect(rows[0].transport_url).toBe('none:///');
    expect(rows[1].transport_url).toMatch(/^rabbit:\/\/nova:.+@127\.0\.0\.1:5672\/nova_cell1$/);
  });
});

describe('one cell (the default): everything as before, plus nova_api rows', () => {
  test('power-loss: every instance mapped to cell1, every host mapped, cell0 and cell2 empty', async () => {
    const s = await lab.scenario('power-loss', { instances: 9, volumes: 6, seed: 3 });
    expect(s.cells.map((c) => [c.name, c.schema, c.hosts])).toEqual([
      ['cell0', schemas().novaCell0, []],
      ['cell1', schemas().nova, lab.info.hosts],
    ]);
    expect(new Set(s.instances.map((i) => i.cell))).toEqual(new Set(['cell1']));
    const api = schemas().novaApi!;
    const mapped = await lab.rootQuery<any[]>(
      `SELECT m.instance_uuid, c.name, m.project_id, m.user_id, m.queued_for_delete FROM \`${api}\`.instance_mappings m JOIN \`${api}\`.cell_mappings c ON c.id = m.cell_id`,
    );
    expect(mapped.map((m) => m.instance_uuid).sort()).toEqual(s.instances.map((i) => i.uuid).sort());
    expect(new Set(mapped.map((m) => m.name))).toEqual(new Set(['cell1']));
    const owner = new Map(s.instances.map((i) => [i.uuid, i.projectId]));
    for (const m of mapped) expect([m.project_id, m.queued_for_delete]).toEqual([owner.get(m.instance_uuid), 0]);
    const hosts = await lab.rootQuery<any[]>(`SELECT h.host, c.name FROM \`${api}\`.host_mappings h JOIN \`${api}\`.cell_mappings c ON c.id = h.cell_id ORDER BY h.host`);
    expect(hosts).toEqual(lab.info.hosts.map((host) => ({ host, name: 'cell1' })));
    for (const schema of [schemas().novaCell0!, schemas().novaCell2!]) {
      const [n] = await lab.rootQuery<any[]>(`SELECT (SELECT COUNT(*) FROM \`${schema}\`.instances) + (SELECT COUNT(*) FROM \`${schema}\`.services) AS n`);
      expect(Number(n.n)).toBe(0);
    }
  });

  test('lab status names each cell with its database, hosts and instance count (here two cells)', async () => {
    await lab.scenario('stuck-instance', { instances: 6, volumes: 1, seed: 1, cells: 2 });
    const status = await labStatus({ stateDir: lab.stateDir });
    expect(status.cells).toEqual([
      { name: 'cell0', uuid: CELL0_UUID, schema: schemas().novaCell0, hosts: [], instances: 0 },
      { name: 'cell1', uuid: expect.any(String), schema: schemas().nova, hosts: ['compute1', 'compute2'], instances: 4 },
      { name: 'cell2', uuid: expect.any(String), schema: schemas().novaCell2, hosts: ['compute3'], instances: 2 },
    ]);
  });
});

describe('cell2 is mapped as a template, and formats as Nova formats it', () => {
  test("database_connection {scheme}://{username}:{password}@{hostname}:{port}/<schema>, formatted from [database] connection", async () => {
    await lab.scenario('power-loss', { instances: 4, volumes: 2, seed: 1, cells: 2 });
    const [, , cell2] = await cellMappings();
    expect(cell2).toMatchObject({ id: 3, name: 'cell2', disabled: 0 });
    expect(cell2.database_connection).toBe(`{scheme}://{username}:{password}@{hostname}:{port}/${schemas().novaCell2}`);
    const own = ini.parse(await readFile(lab.info.novaConf, 'utf8')).database.connection as string;
    const formatted = formatCellUrl(cell2.database_connection, own);
    expect(formatted).toBe(own.replace(/\/[^/?]+\?charset=utf8$/, `/${schemas().novaCell2}`));
    expect(parseDbUrl(formatted)).toEqual({ ...parseDbUrl(own), database: schemas().novaCell2 });
    // A reset takes the mapping away again: one cell maps cell0 and cell1 only.
    await lab.scenario('power-loss', { instances: 4, volumes: 2, seed: 1 });
    expect((await cellMappings()).map((r) => r.name)).toEqual(['cell0', 'cell1']);
  });
});

describe('bad input: exit 2, nothing changed', () => {
  async function command(name: string, flags: Record<string, string | boolean>): Promise<unknown> {
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await labScenarioCommand(name, flags);
      return undefined;
    } catch (e) {
      return e;
    } finally {
      spy.mockRestore();
    }
  }

  test('--cells other than 1 or 2, for any scenario', async () => {
    const before = await cellMappings();
    for (const [name, cells] of [['power-loss', '3'], ['stuck-instance', '0'], ['failed-node', 'two'], ['uid-mismatch', '5']] as const) {
      const e = (await command(name, { cells, instances: '2', volumes: '0', seed: '1' })) as Error;
      expect(e, `${name} --cells ${cells}`).toBeInstanceOf(Error);
      expect(exitCodeOf(e)).toBe(2);
      expect(e.message).toMatch(/--cells/);
    }
    expect(await cellMappings()).toEqual(before);
  });

  test('failed-node with two cells wants a third host; an older lab without cells v2 is named', async () => {
    const two = { ...lab.info, hosts: ['compute1', 'compute2'] };
    const e = await applyScenario(two, 'failed-node', { instances: 2, volumes: 0, cells: 2 }).catch((x) => x);
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message).toMatch(/--cells 2 needs a lab with at least 3 hosts/);
    const { novaApi: _a, novaCell0: _b, novaCell2: _c, ...before } = lab.info.db.schemas;
    const old = { ...lab.info, db: { ...lab.info.db, schemas: before } };
    const o = await applyScenario(old, 'power-loss', { instances: 2, volumes: 0 }).catch((x) => x);
    expect(o.message).toBe(`the lab in ${lab.info.dir} predates cells v2: novaops lab down --wipe, then novaops lab up`);
    expect(exitCodeOf(o)).toBe(2);
  });
});
