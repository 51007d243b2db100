// Step 1. "Check the current relationship between the volume and its instance, so that you can
// recreate the attachment." From the databases and the Volume API, cross-checked; written
// durably; never captured again over an existing map (after the cleanup the live state no
// longer holds the attachments).
import type { Step, StepContext } from '../../src/engine/runbook.js';
import { listVolumes, showVolume, type Volume } from '../../src/operations/openstack/volumes.js';
import { affectedInstances, capturedMap, flavourOf, mapFact, type DrpParams } from './facts.js';
import { readAttachments } from '../lib/schema-flavour.js';
import type { DbAttachment } from '../lib/attachment-reads.js';
import { RefusedError } from '../../src/engine/errors.js';
import { showList } from '../../src/values/show-value.js';
import { MAP_JSON, MAP_TSV, pairKey, readVolumeMap, writeVolumeMap, type MapEntry } from './volume-map.js';

export const captureMapStep: Step<DrpParams> = {
  id: 'capture-map',
  title: 'Capture the volume map: volume, instance and mount point of every attached volume',
  changes: 'nothing in the cloud; writes volume-map.json and .tsv to the run directory',
  readOnly: true,
  async plan(ctx) {
    if (await ctx.artifacts.exists(MAP_JSON)) {
      // Killed after the map was written: the map on disk is the record, never captured again.
      // A checksum already recorded must still match; one not yet recorded is taken from the file.
      if (!mapFact.get(ctx)) {
        const found = (await readVolumeMap(ctx.artifacts))!;
        await mapFact.set(ctx, { sha256: found.sha256, entries: found.map.entries.length });
      }
      const map = await capturedMap(ctx);
      return { items: [], notes: [`reusing the volume map captured at ${map.capturedAt} (${map.entries.length} attachment(s)); it is never captured twice`] };
    }
    const affected = new Map(affectedInstances(ctx).map((i) => [i.uuid, i]));
    const attachments = await readAttachments(ctx, flavourOf(ctx), ctx.scope.instance?.uuid);
    const ofAffected = attachments.filter((a) => affected.has(a.instanceUuid));
    refuseUnplaced(ofAffected);
    const boot = ofAffected.filter((a) => a.bootIndex === 0);
    const errorDeleting = ofAffected.filter((a) => a.volumeStatus === 'error_deleting');
    const entries: MapEntry[] = ofAffected
      .filter((a) => a.bootIndex !== 0 && a.volumeStatus !== 'error_deleting')
      .map((a) => ({
        volumeId: a.volumeId,
        instanceUuid: a.instanceUuid,
        instanceName: affected.get(a.instanceUuid)?.name ?? null,
        device: a.device,
        host: affected.get(a.instanceUuid)?.host ?? null,
        multiattach: a.multiattach,
        cell: a.cell!,
      }))
      .sort((x, y) => x.instanceUuid.localeCompare(y.instanceUuid) || (x.device ?? '').localeCompare(y.device ?? ''));

    await crossCheckWithVolumeApi(ctx, entries);
    await warnOfAbandonedMaps(ctx, entries);
    const scope = ctx.scope.instance?.uuid ?? null;
    const { path, sha256 } = await writeVolumeMap(ctx.artifacts, {
      capturedAt: new Date().toISOString(),
      runId: ctx.runId,
      flavour: flavourOf(ctx),
      scope,
      entries,
    });
    await mapFact.set(ctx, { sha256, entries: entries.length });
    const notes = [`volume map: ${entries.length} attachment(s)${byCell(ctx, entries)} written to ${path} (and ${MAP_TSV}), read back, sha256 ${sha256.slice(0, 16)}`];
    if (boot.length) notes.push(`${boot.length} boot volume(s) left alone: the instances boot from them`);
    if (errorDeleting.length) notes.push(`${errorDeleting.length} volume(s) in error_deleting left as they are`);
    return { items: [], notes };
  },
};

/** Each attachment's BDMs are cleaned in its instance's cell: one with no cell cannot be mapped. */
function refuseUnplaced(attachments: readonly DbAttachment[]): void {
  const lost = [...new Set(attachments.filter((a) => a.cell === null).map((a) => a.instanceUuid))];
  if (lost.length === 0) return;
  throw new RefusedError(
    `nova_api maps ${lost.length} affected instance(s) with volumes attached to no cell (instance_mappings): ${showList(lost)}; nothing was captured or changed`,
    'check the instance mappings (`nova-manage cell_v2 verify_instance --uuid <uuid>`; `nova-manage cell_v2 map_instances` maps a cell\'s instances), then run drp again',
  );
}

/** " (cell1: 3, cell2: 2)" where the cells are mapped. */
function byCell(ctx: StepContext, entries: readonly MapEntry[]): string {
  if (!ctx.cells.mapped || entries.length === 0) return '';
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.cell ?? '?', (counts.get(e.cell ?? '?') ?? 0) + 1);
  return ` (${[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([cell, n]) => `${cell}: ${n}`).join(', ')})`;
}

/**
 * A drp that was abandoned after its cleanup took the attachments out of the databases: they are
 * only in its map now, and this run cannot see them. Never let that pass quietly (invariant 15).
 */
async function warnOfAbandonedMaps(ctx: StepContext, entries: readonly MapEntry[]): Promise<void> {
  const now = new Set(entries.map(pairKey));
  for (const prior of await ctx.predecessors()) {
    if (prior.steps.reattach === 'done') continue;
    let previous: Awaited<ReturnType<typeof readVolumeMap>>;
    try {
      previous = await readVolumeMap(prior.artifacts);
    } catch (error) {
      ctx.warn(`WARNING: abandoned run ${prior.runId} has a damaged volume map in ${prior.artifacts.dir} (${(error as Error).message}); check by hand which of its volumes were never re-attached`);
      continue;
    }
    const missing = (previous?.map.entries ?? []).filter((e) => !now.has(pairKey(e)));
    if (!previous || missing.length === 0) continue;
    ctx.warn(
      `WARNING: run ${prior.runId} (${prior.scope}, abandoned ${prior.abandonedAt}) captured ${previous.map.entries.length} attachment(s) and was given up before it re-attached them; ` +
        `${missing.length} of them are not in this run's map${entries.length === 0 ? ', which is EMPTY' : ''}. This run cannot restore them: re-attach them from ${prior.artifacts.dir}/${MAP_TSV} ` +
        `(openstack server add volume --device <mount point> <instance> <volume>), e.g. ${missing.slice(0, 3).map((e) => `${e.volumeId} → ${e.instanceName ?? e.instanceUuid} ${e.device ?? ''}`.trim()).join('; ')}`,
    );
  }
}

/** The Volume API should agree with the databases; disagreements are shown, the DB is the record. */
async function crossCheckWithVolumeApi(ctx: StepContext, entries: MapEntry[]): Promise<void> {
  const volumeIds = [...new Set(entries.map((e) => e.volumeId))];
  let volumes: Volume[];
  if (volumeIds.length <= 20) {
    const found = await ctx.mapLimit(volumeIds, (id) => ctx.tryRead(showVolume(id)));
    volumes = found.filter((r) => r.ok && r.value).map((r) => r.value as Volume);
  } else {
    volumes = (await ctx.read(listVolumes({ allProjects: true }))).value;
  }
  const byId = new Map(volumes.map((v) => [v.id, v]));
  const mismatches: string[] = [];
  for (const e of entries) {
    const volume = byId.get(e.volumeId);
    const attachment = volume?.attachments.find((a) => a.serverId === e.instanceUuid);
    if (!volume) mismatches.push(`volume ${e.volumeId}: not returned by the Volume API`);
    else if (!attachment) mismatches.push(`volume ${e.volumeId}: the Volume API shows no attachment to ${e.instanceUuid}`);
    else if (attachment.device && e.device && attachment.device !== e.device) {
      mismatches.push(`volume ${e.volumeId}: device ${e.device} in the database, ${attachment.device} in the Volume API`);
    }
  }
  if (mismatches.length === 0) {
    ctx.note(`cross-check: the Volume API agrees on all ${entries.length} attachment(s)`);
  } else {
    ctx.warn(`cross-check: ${mismatches.length} disagreement(s) between the databases and the Volume API (the database record is used): ${mismatches.slice(0, 10).join('; ')}`);
  }
}
