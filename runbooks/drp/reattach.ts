import { readVolumes } from '../lib/bulk-read.js';
// Step 4. "Reattach the volumes to their respective instances" at the mount point of the map;
// wait for in-use by polling with back-off; report each failure and go on with the rest.
// Since Liberty the libvirt driver may ignore the requested device: where a volume landed
// elsewhere is a warning naming the instance (fstab by device name needs a look), not a failure.
import type { ItemOutcome, Step } from '../../src/engine/runbook.js';
import { attachVolume } from '../../src/operations/openstack/attachments.js';
import { showVolume, type Volume } from '../../src/operations/openstack/volumes.js';
import { pollUntilSettled } from '../lib/poll.js';
import { capturedMap, type DrpParams } from './facts.js';
import { pairKey, waveOf } from './volume-map.js';

const FAILED_STATES = new Set(['available', 'error', 'error_attaching']);

export const reattachStep: Step<DrpParams> = {
  id: 'reattach',
  title: 'Reattach the volumes to their instances at their mount points',
  changes: 'attaches each mapped volume to its instance through the Compute API',
  unguarded: 'it attaches only the captured pairs, each volume to the instance it came from; Nova itself refuses a volume that is not available, and a multi-attach volume goes one attachment at a time',
  async plan(ctx) {
    const map = await capturedMap(ctx);
    const held = new Set(ctx.heldBack('clean-db').map((h) => h.key));
    const entries = map.entries.filter((e) => !held.has(`clean:${pairKey(e)}`));
    const waves = waveOf(entries);
    const notes = held.size > 0 ? [`${held.size} attachment(s) held back in step 2 are not re-attached`] : [];
    return {
      notes,
      items: entries.map((e) => ({
        key: `attach:${pairKey(e)}`,
        summary: `attach volume ${e.volumeId} to ${e.instanceName ?? e.instanceUuid} at ${e.device ?? 'any device'}`,
        target: { instance: e.instanceUuid, volume: e.volumeId, host: e.host ?? undefined },
        ops: [attachVolume(e.instanceUuid, e.volumeId, e.device ?? undefined)],
        wave: waves.get(pairKey(e)) ?? 0,
      })),
    };
  },
  async settle(ctx, items) {
    const wanted = new Map(items.map((i) => [i.key, { volume: i.target.volume!, instance: i.target.instance!, device: deviceOf(i.ops[0]) }]));
    const { settled, pending } = await pollUntilSettled(
      [...wanted.keys()],
      async (keys) => {
        const volumes = await readVolumes(ctx, [...new Set(keys.map((k) => wanted.get(k)!.volume))]);
        const now = new Map<string, ItemOutcome>();
        for (const key of keys) {
          const want = wanted.get(key)!;
          const volume = volumes.get(want.volume);
          if (!volume) continue;
          const attachment = volume.attachments.find((a) => a.serverId === want.instance);
          if (attachment && volume.status === 'in-use') {
            const moved = want.device && attachment.device && attachment.device !== want.device;
            now.set(
              key,
              moved
                ? { ok: true, detail: `in-use at ${attachment.device}`, warning: `landed at ${attachment.device}, not ${want.device}: if the guest mounts it by device name in /etc/fstab, look at instance ${want.instance}` }
                : { ok: true, detail: `in-use at ${attachment.device ?? want.device}` },
            );
          } else if (!attachment && FAILED_STATES.has(volume.status)) {
            now.set(key, { ok: false, detail: `the attach did not take: volume is ${volume.status}` });
          }
        }
        return now;
      },
      ctx.poll,
    );
    for (const key of pending) settled.set(key, { ok: false, detail: `not in-use after ${Math.round(ctx.poll.timeoutMs / 1000)}s` });
    return settled;
  },
  async resolve(ctx, item) {
    // An attach still in progress is waited for, never repeated: sent again, Nova would refuse it
    // (the volume is attaching) and the item would fail on a change that is still coming. One
    // that outlasts the wait is left unresolved (the item fails and a resume reads it again).
    const { settled } = await pollUntilSettled(
      [item.target.volume!],
      async ([id]) => {
        const volume = (await ctx.read(showVolume(id))).value;
        return new Map<string, Volume>(volume.status === 'attaching' ? [] : [[id, volume]]);
      },
      ctx.poll,
    );
    const volume = settled.get(item.target.volume!);
    if (!volume) throw new Error(`volume ${item.target.volume} is still attaching after ${Math.round(ctx.poll.timeoutMs / 1000)}s`);
    return volume.attachments.some((a) => a.serverId === item.target.instance) ? 'done' : 'not-done';
  },
};

function deviceOf(op: unknown): string | undefined {
  const body = (op as { body?: { volumeAttachment?: { device?: string } } }).body;
  return body?.volumeAttachment?.device;
}

