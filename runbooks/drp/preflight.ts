// Step 0 (read-only): reach the databases and the APIs, find the instances the power loss left
// SHUTOFF and the volume attachments the database records, in every cell (a rehearsal: its
// instance's cell only). It only reads; what it finds is kept as facts for the steps after it (facts.ts).
// It also names the affected instances' dangling BDMs, which drp leaves as they are (dangling-bdms.ts).
import type { Step, StepContext } from '../../src/engine/runbook.js';
import type { Cell } from '../../src/operations/cells.js';
import { listServers, showServer } from '../../src/operations/openstack/servers.js';
import { selectRows } from '../../src/operations/sql.js';
import { attachmentCells, readAttachmentsAndBdms, type DbAttachment } from '../lib/attachment-reads.js';
import { cell0, cellsNote } from '../lib/cells.js';
import { detectFlavour } from '../lib/schema-flavour.js';
import { danglingBdms } from './dangling-bdms.js';
import { affectedFact, flavourFact, type AffectedInstance } from './facts.js';
import type { DrpParams } from './params.js';

export const preflightStep: Step<DrpParams> = {
  id: 'preflight',
  title: 'Preflight: reach the databases and APIs, find the affected instances and their volumes',
  changes: 'nothing (read-only)',
  readOnly: true,
  async plan(ctx) {
    const scoped = ctx.scope.instance?.uuid;
    const cells = await attachmentCells(ctx, scoped);
    const flavour = await detectFlavour(ctx, cells);
    const servers = scoped ? [(await ctx.read(showServer(scoped))).value] : (await ctx.read(listServers({ allProjects: true }))).value;
    // cell0's instances never scheduled: no host, nothing the power loss took from them.
    const unscheduled = scoped ? new Set<string>() : await neverScheduled(ctx);
    const inCells = servers.filter((s) => !unscheduled.has(s.id));
    // A power loss leaves instances SHUTOFF; running ones are not touched, ERROR ones need reset-state.
    const affected: AffectedInstance[] = inCells
      .filter((s) => s.status === 'SHUTOFF')
      .map((s) => ({ uuid: s.id, name: s.name, host: s.host ?? null, addresses: s.addresses.filter((a) => a.type !== 'floating').map((a) => a.addr) }));
    const inError = inCells.filter((s) => s.status === 'ERROR');
    const { attachments, bdms } = await readAttachmentsAndBdms(ctx, flavour, scoped, cells);
    const dangling = await danglingBdms(ctx, flavour, affected, attachments, bdms);
    await flavourFact.set(ctx, flavour);
    await affectedFact.set(ctx, affected);
    const notes = [
      `schema flavour: ${flavour}${cellsNote(cells)}`,
      `${inCells.length} instance(s) seen, ${affected.length} SHUTOFF after the power loss (affected), ${inCells.length - affected.length - inError.length} running or otherwise left alone`,
      `${attachments.length} volume attachment(s) recorded in the database`,
      ...perCell(ctx, cells, attachments),
      ...dangling.notes,
    ];
    if (dangling.warning) ctx.warn(dangling.warning);
    if (ctx.cells.mapped && !scoped) {
      notes.push(`cell0: ${unscheduled.size} instance(s) that never scheduled; drp leaves them alone (none of their volumes is captured, cleaned or re-attached)`);
    }
    if (inError.length > 0) {
      ctx.warn(`${inError.length} instance(s) in ERROR are left alone (reset their state first, then rerun): ${inError.slice(0, 10).map((s) => s.name).join(', ')}`);
    }
    if (scoped && affected.length === 0) ctx.warn(`instance ${scoped} is not SHUTOFF (${servers[0]?.status}); the rehearsal has nothing to recover`);
    return { items: [], notes };
  },
};

/** Which cells were read and what each holds: what an operator checks against nova-manage's list. */
function perCell(ctx: StepContext, cells: readonly Cell[], attachments: readonly DbAttachment[]): string[] {
  if (!ctx.cells.mapped) return [];
  const read = new Set(cells.map((c) => c.name));
  const lines = cells.map((c) => `cell ${c.name} (${c.where}) read: ${attachments.filter((a) => a.cell === c.name).length} volume attachment(s)`);
  const elsewhere = attachments.filter((a) => a.cell === null || !read.has(a.cell)).length;
  if (elsewhere > 0) lines.push(`${elsewhere} attachment(s) of instances in no cell read here (cell0, or not mapped): left alone`);
  return lines;
}

/** The uuids of cell0's instances (a cloud whose cells are mapped); a cell0 that does not answer is named. */
async function neverScheduled(ctx: StepContext): Promise<Set<string>> {
  if (!ctx.cells.mapped) return new Set();
  const zero = cell0(ctx);
  if (!zero) {
    const named = ctx.cells.cells.find((c) => c.cell0);
    if (named) ctx.warn(`cell0 (${named.where}) does not answer (${ctx.cells.unreachable[named.name]}): its instances never scheduled and drp leaves them alone, but they could not be counted`);
    return new Set();
  }
  const { rows = [] } = await ctx.read(selectRows(zero.db, 'read the instances of cell0 (never scheduled)', 'SELECT uuid FROM instances WHERE deleted = 0'));
  return new Set(rows.map((r) => String(r.uuid)));
}
