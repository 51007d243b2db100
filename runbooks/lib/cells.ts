// Which cell's database a runbook reads and changes (DESIGN.md section 7, cells v2). drp covers
// every cell and refuses when one does not answer: a partial volume map is worse than none.
// failed-node works in its failed host's cell, reset-state and iscsi-cleanup in their instance's.
// A cloud with no API database has one cell, `nova`, and none of this reads nova_api.
import { RefusedError, UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { hostMappingsRead, instanceMappingsRead, workingCells, type Cell } from '../../src/operations/cells.js';
import { showList } from '../../src/values/show-value.js';

/** Exit 3 naming each of `cells` that does not answer, and why the run needs it. */
export function refuseUnreachable(ctx: StepContext, cells: readonly Cell[], why: string): void {
  const down = cells.filter((c) => ctx.cells.unreachable[c.name] !== undefined);
  if (down.length === 0) return;
  throw new RefusedError(
    `${down.map((c) => `cell ${c.name} (${c.where}) does not answer: ${ctx.cells.unreachable[c.name]}`).join('; ')} — ${why}`,
    'bring its database back, or give novaops a way to reach it (databases.cells.<name>.url in the config); `novaops doctor` shows each cell',
  );
}

/** Every cell instances run in (cell0 apart), each of which must answer. */
export function everyCell(ctx: StepContext, why: string): Cell[] {
  const cells = workingCells(ctx.cells);
  if (cells.length === 0) {
    throw new RefusedError(
      'nova_api maps no cell but cell0: there is no cell database to work in',
      'map the cells first (`nova-manage cell_v2 list_cells`; `create_cell`, then `discover_hosts`)',
    );
  }
  refuseUnreachable(ctx, cells, why);
  return cells;
}

/** cell0: the instances that never scheduled (read only), where the cells are mapped and it answers. */
export function cell0(ctx: StepContext): Cell | undefined {
  return ctx.cells.cells.find((c) => c.cell0 && ctx.cells.unreachable[c.name] === undefined);
}

/**
 * The cells `keys` are mapped to in nova_api (hosts or instances), read 500 at a time. A key with
 * no mapping (or an instance still building, with no cell yet) is left out: the caller names it.
 */
async function mappedCells(
  ctx: StepContext,
  keys: readonly string[],
  read: (chunk: readonly string[]) => ReturnType<typeof hostMappingsRead>,
  keyColumn: 'host' | 'instance_uuid',
): Promise<Map<string, Cell>> {
  const found = new Map<string, Cell>();
  if (!ctx.cells.mapped) {
    for (const key of keys) found.set(key, ctx.cells.cells[0]);
    return found;
  }
  for (let i = 0; i < keys.length; i += 500) {
    const { rows = [] } = await ctx.read(read(keys.slice(i, i + 500)));
    for (const row of rows) {
      const cell = ctx.cells.cells.find((c) => c.uuid === row.cell_uuid);
      if (cell) found.set(String(row[keyColumn]), cell);
    }
  }
  return found;
}

/** The cells of compute hosts (host_mappings), by host. */
export function cellsOfHosts(ctx: StepContext, hosts: readonly string[]): Promise<Map<string, Cell>> {
  return mappedCells(ctx, hosts, hostMappingsRead, 'host');
}

/** The cell a compute host is mapped to (host_mappings). */
export async function cellOfHost(ctx: StepContext, host: string): Promise<Cell> {
  const cell = (await cellsOfHosts(ctx, [host])).get(host);
  if (!cell) {
    throw new UsageError(
      `host ${host} is mapped to no cell in nova_api (host_mappings)`,
      'check the host name; a new compute host is mapped by `nova-manage cell_v2 discover_hosts`',
    );
  }
  refuseUnreachable(ctx, [cell], `host ${host} is in it`);
  return cell;
}

/** The cells of instances (instance_mappings), by uuid. */
export function cellsOfInstances(ctx: StepContext, uuids: readonly string[]): Promise<Map<string, Cell>> {
  return mappedCells(ctx, uuids, instanceMappingsRead, 'instance_uuid');
}

/** The one cell of one instance, refused when it is not mapped or its cell does not answer. */
export async function cellOfInstance(ctx: StepContext, uuid: string): Promise<Cell> {
  const cell = (await cellsOfInstances(ctx, [uuid])).get(uuid);
  if (!cell) {
    throw new UsageError(
      `instance ${uuid} is mapped to no cell in nova_api (instance_mappings)`,
      'an instance still building has no cell yet; check the instance with `openstack server show`',
    );
  }
  refuseUnreachable(ctx, [cell], `instance ${uuid} is in it`);
  return cell;
}

/** The cell a record names (a volume map entry, say), refused when nova_api no longer maps it or it does not answer. */
export function cellNamed(ctx: StepContext, name: string, why: string): Cell {
  const cell = ctx.cells.cells.find((c) => c.name === name);
  if (!cell) {
    throw new RefusedError(
      `cell ${name} is not mapped in this cloud (mapped: ${showList(ctx.cells.cells.map((c) => c.name))}) — ${why}`,
      'check that the config reaches the same cloud (`novaops doctor` shows each cell); `nova-manage cell_v2 list_cells` on a controller lists the mappings',
    );
  }
  refuseUnreachable(ctx, [cell], why);
  return cell;
}

/** "cell1, cell2" for the plan, or nothing for a cloud of one unmapped cell. */
export function cellsNote(cells: readonly Cell[]): string {
  return cells.length === 1 && cells[0].name === 'nova' ? '' : ` (cells: ${showList(cells.map((c) => c.name))})`;
}
