import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { labDown, labStatus, labUp, findMariadbd, isAlive, parseDbUrl } from '../../src/lab/index.js';
import mysql from 'mysql2/promise';
import { createTestLab, LAB_DB_URL } from '../support/lab.js';

const mariadbd = findMariadbd();

describe('lab lifecycle', () => {
  test.skipIf(!mariadbd)('private mariadbd: up, status, files, down --wipe (skipped when no mariadbd binary is installed)', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-lab-private-'));
    const saved = process.env.NOVAOPS_LAB_DB;
    delete process.env.NOVAOPS_LAB_DB;
    try {
      const up = await labUp({ stateDir, hosts: 2, simulator: 'in-process' });
      const { simulatorHandle, ...info } = up;
      expect(info.db.private).toBe(true);
      expect(info.db.schemas).toEqual({ nova: 'nova', novaApi: 'nova_api', novaCell0: 'nova_cell0', novaCell2: 'nova_cell2', cinder: 'cinder', placement: 'placement' });
      expect(isAlive(info.db.pid!)).toBe(true);
      const st = await labStatus({ stateDir });
      expect(st.live.dbReachable).toBe(true);
      expect(st.live.apiAnswering).toBe(true);
      expect(st.cells?.map((c) => [c.name, c.schema])).toEqual([
        ['cell0', 'nova_cell0'],
        ['cell1', 'nova'],
      ]);
      await simulatorHandle!.close();
      const down = await labDown({ stateDir, wipe: true });
      expect(down.stopped.join(' ')).toMatch(/mariadbd/);
      expect(isAlive(info.db.pid!)).toBe(false);
      expect(existsSync(info.dir)).toBe(false);
    } finally {
      if (saved !== undefined) process.env.NOVAOPS_LAB_DB = saved;
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('config files: novaops.yaml shape, conf modes, and no DB password in lab.json', async () => {
    const lab = await createTestLab({ hosts: 2 });
    try {
      const novaConf = await readFile(lab.info.novaConf, 'utf8');
      const m = /connection = mysql\+pymysql:\/\/([^:]+):([^@]+)@127\.0\.0\.1:\d+\/(\w+)\?charset=utf8/.exec(novaConf);
      expect(m).not.toBeNull();
      const password = decodeURIComponent(m![2]);
      expect(password.length).toBeGreaterThan(12);
      expect((await stat(lab.info.novaConf)).mode & 0o777).toBe(0o640);
      expect((await stat(lab.info.cinderConf)).mode & 0o777).toBe(0o640);
      const labJson = await readFile(path.join(lab.info.dir, 'lab.json'), 'utf8');
      expect(labJson).not.toContain(password);
      const yaml = await readFile(lab.info.configFile, 'utf8');
      expect(yaml).toContain('cloud: novaops-lab');
      expect(yaml).toContain(
        `  compute2: { via: local, root: "${lab.info.dir}/hosts/compute2", path_prepend: ["${lab.info.dir}/hosts/compute2/bin"], env: { NOVAOPS_LAB_HOST: compute2 } }`,
      );
      expect(yaml).toContain('poll: { initial_ms: 100, max_ms: 2000, timeout_ms: 300000 }');
      const clouds = await readFile(lab.info.cloudsYaml, 'utf8');
      expect(clouds).toContain(`auth_url: ${lab.info.api.authUrl}`);
      // The lab user only sees its own schemas.
      const grants = await lab.rootQuery<any[]>(`SHOW GRANTS FOR ?@'127.0.0.1'`, [lab.info.db.user]);
      const text = grants.map((g) => Object.values(g)[0]).join('\n');
      expect(text).toContain(`\`${lab.info.db.schemas.nova}\``);
      expect(text).not.toMatch(/ON \*\.\*.*ALL/);
      expect(text).toContain(`\`${lab.info.db.schemas.placement}\``);
      // placement.conf names the placement schema in [placement_database], as placement.conf does.
      const placementConf = await readFile(lab.info.placementConf!, 'utf8');
      expect(placementConf).toMatch(new RegExp(`\\[placement_database\\]\\nconnection = mysql\\+pymysql://[^@]+@127\\.0\\.0\\.1:\\d+/${lab.info.db.schemas.placement}\\?`));
      expect((await stat(lab.info.placementConf!)).mode & 0o777).toBe(0o640);
    } finally {
      await lab.destroy();
    }
    const root = await mysql.createConnection({ ...parseDbUrl(LAB_DB_URL), database: undefined });
    try {
      const [left] = await root.query<any[]>('SELECT schema_name FROM information_schema.schemata WHERE schema_name IN (?)', [
        Object.values(lab.info.db.schemas),
      ]);
      expect(left).toEqual([]);
    } finally {
      await root.end();
    }
  });
});
