// What the preflight of iscsi-cleanup hands to its steps through the run's state (kept across resumes).
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';
import type { StepContext } from '../../src/engine/runbook.js';
import type { DbName } from '../../src/operations/types.js';
import { cellNamed } from '../lib/cells.js';

const session = z.object({ sessionId: z.number().int().positive(), iqn: z.string(), portal: z.string() });

export const cleanupTarget = z.object({
  host: z.string(),
  flavour: z.enum(['modern', 'cinder-columns', 'nova-volume']),
  volumeId: z.string(),
  volumeName: z.string().nullable(),
  volumeStatus: z.string(),
  attachStatus: z.string(),
  /** What names this volume's target: the IQN of its provider_location, and the ids (id, _name_id) in volume-<id> / volume-%08x. */
  providerIqn: z.string().nullable(),
  nameIds: z.array(z.string()),
  /** The sessions on the host to free, in the order they are logged out. */
  sessions: z.array(session),
  /**
   * The (volume, instance) pairs whose DB state is reset: the attachments on this host, or of gone
   * instances; `cell` holds the instance's block device mappings (absent in a run recorded before novaops knew cells: `nova`).
   */
  pairs: z.array(z.object({ volumeId: z.string(), instanceUuid: z.string(), cell: z.string().optional() })),
  /** Every instance the databases or the Volume API attach this volume to (the running-instance guard reads them). */
  instances: z.array(z.string()),
  /** Attachments left alone because their instance is on another host. */
  elsewhere: z.array(z.object({ instanceUuid: z.string(), host: z.string() })),
  bootOf: z.array(z.string()),
});

export type CleanupTarget = z.infer<typeof cleanupTarget>;
export type CleanupSession = z.infer<typeof session>;

export const targetFact = defineFact<CleanupTarget>('iscsiCleanup', cleanupTarget, 'the preflight');

/** The pairs with the database of each one's cell, for the cleanup statements and their read-back. */
export function pairsInCells(ctx: StepContext, t: CleanupTarget): (CleanupTarget['pairs'][number] & { db: DbName })[] {
  return t.pairs.map((p) => ({ ...p, db: p.cell === undefined ? 'nova' : cellNamed(ctx, p.cell, `instance ${p.instanceUuid} is in it`).db }));
}

const flushMap = z.object({ name: z.string(), dm: z.string() });
const flushDisk = z.object({ sessionId: z.number().int().positive(), name: z.string() });

/**
 * The device work of the flush step as first planned: its maps (with their dm device) and disks,
 * in the order of the item's operations. The journal acknowledges an item's operations by their
 * index, so a resumed plan keeps this list and order, whatever is already gone.
 */
export const flushWork = z.object({ sessionIds: z.array(z.number().int().positive()), maps: z.array(flushMap), disks: z.array(flushDisk) });

export type FlushWork = z.infer<typeof flushWork>;

export const flushWorkFact = defineFact<FlushWork>('iscsiCleanup.flush', flushWork, 'the flush step');
