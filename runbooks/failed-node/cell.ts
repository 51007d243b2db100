// The cell failed-node works in: the failed host's, from nova_api's host_mappings. Nova never moves
// an instance across cells (its instances, compute nodes and block device mappings live in that
// cell's database), so a target in another cell is bad input, named before the run exists and
// again by the preflight (the mappings may change in between). Another cell that does not answer
// is none of this run's business; the failed host's own cell not answering stops it (exit 3).
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import type { Cell } from '../../src/operations/cells.js';
import type { DbName } from '../../src/operations/types.js';
import { showList } from '../../src/values/show-value.js';
import { cellNamed, cellsOfHosts, refuseUnreachable } from '../lib/cells.js';
import { hostsFact, type FailedNodeParams } from './facts.js';

function unmapped(flag: string, host: string): UsageError {
  return new UsageError(
    `${flag} ${host} is mapped to no cell in nova_api (host_mappings): Nova does not know which cell database holds its instances`,
    'a compute host is mapped by `nova-manage cell_v2 discover_hosts`; check the host name with `openstack compute service list --service nova-compute`',
  );
}

/**
 * The one cell of the failed host and the target, checked: both mapped, the same cell, and that
 * cell answering. `computeHosts` (every nova-compute host) names the targets to pick instead.
 */
export async function failedNodeCell(ctx: StepContext<FailedNodeParams>, computeHosts: readonly string[]): Promise<Cell> {
  const { failedHost, targetHost } = ctx.params;
  const hosts = [...new Set([failedHost, targetHost, ...computeHosts])];
  const cells = await cellsOfHosts(ctx, hosts);
  const failed = cells.get(failedHost);
  if (!failed) throw unmapped('--failed-host', failedHost);
  const target = cells.get(targetHost);
  if (!target) throw unmapped('--target-host', targetHost);
  if (target.name !== failed.name) {
    const same = hosts.filter((h) => h !== failedHost && cells.get(h)?.name === failed.name).sort();
    throw new UsageError(
      `--target-host ${targetHost} is in cell ${target.name}, --failed-host ${failedHost} in cell ${failed.name}: Nova never moves an instance across cells`,
      same.length > 0
        ? `pick a target in cell ${failed.name}: ${showList(same)}`
        : `cell ${failed.name} has no other compute host to take the instances: add one to it (\`nova-manage cell_v2 discover_hosts\`), then run again`,
    );
  }
  refuseUnreachable(ctx, [failed], `${failedHost}'s instances are in it`);
  return failed;
}

/** "compute2 and compute3 are in cell2 (nova_cell2 at ...)", for the plan; nothing for a cloud of one unmapped cell. */
export function cellNote(ctx: StepContext<FailedNodeParams>, cell: Cell): string | undefined {
  if (!ctx.cells.mapped) return undefined;
  const others = ctx.cells.cells.filter((c) => c.name !== cell.name && !c.cell0);
  const down = others.filter((c) => ctx.cells.unreachable[c.name] !== undefined).map((c) => c.name);
  return (
    `${ctx.params.failedHost} and ${ctx.params.targetHost} are in cell ${cell.name} (${cell.where}): every Nova row of this run is read and changed there` +
    (others.length ? `; no other cell is touched (${showList(others.map((c) => c.name))}${down.length ? `, of which ${showList(down)} does not answer` : ''})` : '')
  );
}

/**
 * The cell the preflight recorded: every Nova statement of the run goes to its database. A run
 * recorded before novaops knew cells worked in `nova`, and goes on there.
 */
export function runCell(ctx: StepContext): Cell {
  const { failed, cell } = hostsFact.require(ctx);
  if (cell === undefined) return ctx.cells.cells.find((c) => c.db === 'nova') ?? { name: 'nova', uuid: null, db: 'nova', cell0: false, where: 'databases.nova' };
  return cellNamed(ctx, cell, `${failed.host}'s instances are in it`);
}

export function cellDbOf(ctx: StepContext): DbName {
  return runCell(ctx).db;
}

/** What to check when the cell database lacks rows it should hold: novaops reads another cell than the host's. */
export function wrongCellHint(ctx: StepContext): string {
  return ctx.cells.mapped
    ? "check the host's cell: `nova-manage cell_v2 list_hosts`, and the cell's database_connection (`nova-manage cell_v2 list_cells --verbose`, or databases.cells.<name>.url in the novaops config)"
    : 'set databases.nova to the cell database of this host (nova_cell1, ...) in the novaops config, or give novaops the API database ([api_database] connection, databases.nova_api)';
}
