// What the audit of uid-gid hands to the change and its read-back through the run's state (kept
// across resumes, so a resumed run changes ids exactly as the first attempt planned).
import { z } from 'zod';
import { defineFact } from '../../src/engine/fact.js';

const id = z.number().int().positive();
export const idSet = z.object({ novaUid: id, qemuUid: id, novaGid: id, libvirtdGid: id });
export type IdSet = z.infer<typeof idSet>;

const move = z.object({ name: z.string(), from: id, to: id, temporary: z.literal(true).optional() });

export const hostAudit = z.object({
  host: z.string(),
  root: z.string(),
  /** The accounts' ids as read; an account the host lacks is absent. */
  current: idSet.partial(),
  /** Covered paths that exist, under the root (what find starts from). */
  covered: z.array(z.string()),
  /** "uid gid" -> files (inodes) under the covered paths, before the change. */
  owners: z.record(z.string(), z.number()),
  /** Every uid and gid some account holds on the host. */
  heldUids: z.array(z.number()),
  heldGids: z.array(z.number()),
  /** Why the targets cannot be used there (the guard's findings at the audit); no rounds then. */
  conflicts: z.array(z.string()),
  /** The moves, round by round; empty when the host already has the targets. */
  rounds: z.array(z.object({ uids: z.array(move), gids: z.array(move) })),
});
export type HostAudit = z.infer<typeof hostAudit>;

export const uidGidAudit = z.object({
  targets: idSet,
  /** Which targets novaops chose (no option given). */
  proposed: z.array(z.string()),
  paths: z.array(z.string()),
  hosts: z.array(hostAudit),
});
export type UidGidAudit = z.infer<typeof uidGidAudit>;

export const auditFact = defineFact<UidGidAudit>('uidGid', uidGidAudit, 'the audit');
