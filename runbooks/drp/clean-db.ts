// Step 2. "Update the database to clean the stalled state" — for exactly the mapped volumes:
// available (unless error_deleting), detached, no mount point, no instance; Nova's
// block_device_mapping rows of exactly the captured pairs soft-deleted (without that, Nova
// refuses the re-attach). Boot volumes are not in the map and never touched.
import type { Step } from '../../src/engine/runbook.js';
import { capturedMap, flavourOf, type DrpParams } from './facts.js';
import { cleanupOps, pairsStillAttached } from './schema-flavour.js';
import { pairKey } from './volume-map.js';

export const cleanStep: Step<DrpParams> = {
  id: 'clean-db',
  title: 'Clean the stale DB state of the mapped volumes',
  changes: 'Cinder volumes/volume_attachment and Nova block_device_mapping rows of the mapped volumes, in one transaction per database, rows saved first',
  transactional: true,
  async plan(ctx) {
    const map = await capturedMap(ctx);
    const flavour = flavourOf(ctx);
    return {
      items: map.entries.map((e) => ({
        key: `clean:${pairKey(e)}`,
        summary: `clean volume ${e.volumeId} (${e.device ?? 'no device'}) of ${e.instanceName ?? e.instanceUuid}`,
        target: { instance: e.instanceUuid, volume: e.volumeId, host: e.host ?? undefined },
        ops: cleanupOps(flavour, e),
      })),
    };
  },
  async verify(ctx) {
    const map = await capturedMap(ctx);
    const held = new Set(ctx.heldBack('clean-db').map((h) => h.key));
    const cleaned = map.entries.filter((e) => !held.has(`clean:${pairKey(e)}`));
    const stale = await pairsStillAttached(ctx, flavourOf(ctx), cleaned);
    return stale.length === 0
      ? { ok: true, detail: `${cleaned.length} attachment(s) cleaned; none left in the databases` }
      : { ok: false, detail: `still attached after the cleanup: ${stale.slice(0, 10).join(', ')}` };
  },
};
