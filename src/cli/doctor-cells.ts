// doctor's view of cells v2: the API database, then each cell nova_api maps with its database and
// whether it answers; the TUI's health line gets one summary of the same. A cloud whose nova.conf
// names no API database shows that novaops sees one cell.
import type { NovaopsConfig } from '../config/types.js';
import { resolveCells } from '../effects/sql/resolve-cells.js';
import type { Effects } from '../effects/types.js';
import type { Cell, CellDirectory } from '../operations/cells.js';
import type { DoctorCheck } from './doctor-check.js';

const CELL_FIX = 'check the cell mapping (`nova-manage cell_v2 list_cells --verbose` on a controller), or give this host a way in: databases.cells.<name>.url in the config';

async function cellDetail(effects: Effects, cell: Cell): Promise<string> {
  const [counts] = await effects.sql.select(
    cell.db,
    "SELECT (SELECT COUNT(*) FROM instances WHERE deleted = 0) AS instances, (SELECT COUNT(DISTINCT host) FROM services WHERE deleted = 0 AND `binary` = 'nova-compute') AS hosts",
    [],
  );
  const role = cell.cell0 ? ', instances that never scheduled' : '';
  return `${cell.where}: ${Number(counts?.hosts ?? 0)} compute host(s), ${Number(counts?.instances ?? 0)} instance(s)${role}`;
}

/** One line per cell, for `novaops doctor`. */
export async function cellChecks(config: NovaopsConfig, effects: Effects): Promise<DoctorCheck[]> {
  const api = config.databases.novaApi;
  if (!api) {
    return [
      {
        name: 'cells',
        fix: '',
        run: async () => `no API database ([api_database] connection) in ${config.databases.nova.source.replace(/ \[database\] connection$/, '')}: one cell, the nova database`,
      },
    ];
  }
  const apiCheck: DoctorCheck = {
    name: 'nova_api database',
    fix: `check [api_database] connection in ${api.source}, and that ${api.host}:${api.port} accepts ${api.user}`,
    async run() {
      const [row] = await effects.sql.select('nova_api', 'SELECT COUNT(*) AS n FROM cell_mappings', []);
      return `${api.user}@${api.host}:${api.port}/${api.database}, ${Number(row?.n ?? 0)} cell mapping(s) (${api.source})`;
    },
  };
  let directory: CellDirectory;
  try {
    ({ directory } = await resolveCells(config.databases, effects.sql));
  } catch (error) {
    const why = (error as Error).message;
    return [apiCheck, { name: 'cells', fix: CELL_FIX, run: () => Promise.reject(new Error(`cannot read the cell mappings: ${why}`)) }];
  }
  if (directory.cells.length === 0) {
    return [apiCheck, { name: 'cells', fix: 'map the cells (`nova-manage cell_v2 map_cell0`, `create_cell`, `discover_hosts`)', run: () => Promise.reject(new Error('nova_api maps no cell')) }];
  }
  return [
    apiCheck,
    ...directory.cells.map((cell) => ({
      name: `cell ${cell.name}`,
      fix: CELL_FIX,
      async run() {
        const down = directory.unreachable[cell.name];
        if (down !== undefined) throw new Error(`${cell.where} does not answer: ${down}`);
        return cellDetail(effects, cell);
      },
    })),
  ];
}

/** The health line's one check: every cell answers. */
export function cellsSummaryCheck(config: NovaopsConfig, effects: Effects): DoctorCheck {
  return {
    name: 'cells',
    fix: `run novaops doctor for one line per cell; ${CELL_FIX}`,
    async run() {
      if (!config.databases.novaApi) return 'one cell (no [api_database] in the nova conf)';
      const { directory } = await resolveCells(config.databases, effects.sql);
      const down = Object.keys(directory.unreachable);
      if (down.length) throw new Error(`${down.length} of ${directory.cells.length} cell(s) do not answer: ${down.join(', ')}`);
      return `${directory.cells.length} cell(s), each answering: ${directory.cells.map((c) => c.name).join(', ')}`;
    },
  };
}
