// What the preflight of iscsi-cleanup hands to its steps through the run's state (kept across resumes).
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';

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
  /** The (volume, instance) pairs whose DB state is reset: the attachments on this host, or of gone instances. */
  pairs: z.array(z.object({ volumeId: z.string(), instanceUuid: z.string() })),
  /** Every instance the databases or the Volume API attach this volume to (the running-instance guard reads them). */
  instances: z.array(z.string()),
  /** Attachments left alone because their instance is on another host. */
  elsewhere: z.array(z.object({ instanceUuid: z.string(), host: z.string() })),
  bootOf: z.array(z.string()),
});

export type CleanupTarget = z.infer<typeof cleanupTarget>;
export type CleanupSession = z.infer<typeof session>;

export const targetFact = defineFact<CleanupTarget>('iscsiCleanup', cleanupTarget, 'the preflight');
