// Step 2. "Update the database to clean the stalled state" — for exactly the mapped volumes:
// available (unless error_deleting), detached, no mount point, no instance; Nova's
// block_device_mapping rows of exactly the captured pairs soft-deleted (without that, Nova
// refuses the re-attach). Boot volumes are not in the map and never touched. The BDMs are in each
// entry's cell database: one statement per cell per chunk, Cinder's statements as before.
import type { PlanItem, Step } from '../../src/engine/runbook.js';
import { capturedMap, flavourOf, type DrpParams } from './facts.js';
import { cleanupOps, cleanupLeftovers } from '../lib/schema-flavour.js';
import { pairKey } from './volume-map.js';
import { liveSessionGuard } from './live-session-guard.js';
import { withCellDb } from './entry-cell.js';

/** Attachments per statement: large enough for few round trips, small enough for readable plans and short locks. */
const CHUNK = 250;

export const cleanStep: Step<DrpParams> = {
  id: 'clean-db',
  title: 'Clean the stale DB state of the mapped volumes',
  changes: "Cinder volumes/volume_attachment and Nova block_device_mapping rows (in each attachment's cell) of the mapped volumes, in one transaction per database, rows saved first",
  guards: [liveSessionGuard],
  async plan(ctx) {
    const map = await capturedMap(ctx);
    // One item per captured attachment, for the guard to hold back; consolidate() below turns
    // the ones that may go ahead into set-based statements.
    return {
      items: map.entries.map((e) => ({
        key: `clean:${pairKey(e)}`,
        summary: `clean volume ${e.volumeId} (${e.device ?? 'no device'}) of ${e.instanceName ?? e.instanceUuid}`,
        target: { instance: e.instanceUuid, volume: e.volumeId, host: e.host ?? undefined },
        ops: [],
      })),
    };
  },
  async consolidate(ctx, items) {
    const byKey = new Map(items.map((i) => [i.key, i]));
    const entries = withCellDb(ctx, (await capturedMap(ctx)).entries.filter((e) => byKey.has(`clean:${pairKey(e)}`)));
    const chunks: PlanItem[] = [];
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      const first = byKey.get(`clean:${pairKey(chunk[0])}`)!;
      chunks.push({
        key: `clean-chunk:${pairKey(chunk[0])}:${chunk.length}`,
        summary: chunk.length === 1 ? first.summary : `clean ${chunk.length} volume attachment(s)`,
        target: chunk.length === 1 ? first.target : { instance: new Set(chunk.map((e) => e.instanceUuid)).size === 1 ? chunk[0].instanceUuid : undefined },
        ops: cleanupOps(flavourOf(ctx), chunk),
      });
    }
    return chunks;
  },
  async verify(ctx) {
    const map = await capturedMap(ctx);
    const held = new Set(ctx.heldBack('clean-db').map((h) => h.key));
    const cleaned = map.entries.filter((e) => !held.has(`clean:${pairKey(e)}`));
    const stale = await cleanupLeftovers(ctx, flavourOf(ctx), withCellDb(ctx, cleaned));
    return stale.length === 0
      ? { ok: true, detail: `${cleaned.length} attachment(s) cleaned, read back: no attachment row or BDM left, every freed volume available/detached` }
      : { ok: false, detail: `not clean after the commit: ${stale.slice(0, 10).join('; ')}` };
  },
};
