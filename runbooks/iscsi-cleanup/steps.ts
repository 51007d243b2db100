// Steps 1-4 of iscsi-cleanup: flush and delete the session's devices (DESIGN section 8), log out
// that one session (invariant 9), reset the volume's DB state (the cleanup drp uses, in the
// detected flavour, with the rows saved and a rollback script), and optionally discover and log in
// again with the guide's diagnosis of its three known errors.
import type { PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import {
  COMMAND_NOT_FOUND,
  deleteScsiDeviceOp,
  discoveryOp,
  flushBuffersOp,
  loginOp,
  logoutSessionOp,
  mapsHolding,
  multipathFlushOp,
  multipathListOp,
  parseMultipathMaps,
  parseSessionDetail,
  sessionDetailOp,
  sessionNotFound,
  type MultipathMap,
} from '../../src/operations/iscsi.js';
import { selectRows, updateRows } from '../../src/operations/sql.js';
import type { ShellOperation, SqlOperation } from '../../src/operations/types.js';
import { cleanupLeftovers, cleanupOps } from '../lib/schema-flavour.js';
import { flushWorkFact, pairsInCells, targetFact, type CleanupTarget, type FlushWork } from './facts.js';
import { notBootVolumeGuard, notRunningGuard, sessionBelongsGuard } from './guards.js';
import { sessionBelongs } from './match.js';
import type { IscsiCleanupParams } from './params.js';
import { hostSessions } from './preflight.js';

type Ctx = StepContext<IscsiCleanupParams>;

/** The attached SCSI disks of a session, as `iscsiadm -m session -r N -P 3` lists them (none when it is gone). */
async function sessionDisks(ctx: Ctx, host: string, sessionId: number, warn = true): Promise<{ gone: boolean; disks: string[]; answer: string }> {
  const r = await ctx.tryRead(sessionDetailOp(host, sessionId));
  const gone = r.ok && sessionNotFound(r, sessionId);
  if (!r.ok || (r.exitCode !== 0 && !gone)) {
    throw new Error(`could not read iSCSI session [${sessionId}] on ${host}: ${r.error ?? `exit ${r.exitCode}: ${(r.stderr ?? '').trim() || 'no answer'}`}`);
  }
  if (gone) return { gone, disks: [], answer: '' };
  const detail = parseSessionDetail(r.stdout ?? '', sessionId);
  if (warn) for (const bad of detail.rejected) ctx.warn(`session [${sessionId}] on ${host}: attached device ${bad} is not a plain sdX disk; left alone`);
  const firstLine = (r.stdout ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return { gone, disks: detail.disks.map((d) => d.name), answer: firstLine.trim() };
}

/** The multipath maps of the host, or null when multipath-tools is not installed there. */
async function multipathMaps(ctx: Ctx, host: string): Promise<MultipathMap[] | null> {
  const r = await ctx.tryRead(multipathListOp(host));
  if (r.exitCode === COMMAND_NOT_FOUND || /multipath: (command )?not found/.test(r.stderr ?? '')) return null;
  if (!r.ok) {
    throw new Error(`could not list the multipath maps on ${host} (${r.error ?? 'failed'}); deleting SCSI devices a map still holds can hang the host, so nothing was done`);
  }
  return parseMultipathMaps(r.stdout ?? '');
}

const sameMap = (a: { name: string; dm: string }, b: { name: string; dm: string }) => a.name === b.name && a.dm === b.dm;
const sameDisk = (a: { sessionId: number; name: string }, b: { sessionId: number; name: string }) => a.sessionId === b.sessionId && a.name === b.name;

/**
 * The item's key names its work (maps with their dm device, disks): work planned anew, because the
 * host shows something the first plan did not have, is another item, so no acknowledgement of the
 * earlier one is taken for one of its operations. A map created again after its flush is a new dm
 * device, hence new work.
 */
function flushKey(work: FlushWork): string {
  const maps = work.maps.map((m) => `${m.name}@${m.dm}`).join('+') || '-';
  return `flush:${work.sessionIds.join(',')}:${maps}:${work.disks.map((d) => d.name).join(',')}`;
}

export const flushStep: Step<IscsiCleanupParams> = {
  id: 'flush-devices',
  title: "Flush the session's multipath map and delete its SCSI devices",
  changes: 'the multipath map (multipath -f), then each SCSI disk of the session(s) on the compute node: its buffers flushed (blockdev --flushbufs) and the disk deleted (/sys/block/sdX/device/delete)',
  warnings: ['Logging out a session whose SCSI devices and multipath map still exist can hang the host: they go first.'],
  guards: [sessionBelongsGuard, notRunningGuard],
  async plan(ctx) {
    const t = targetFact.require(ctx);
    const notes: string[] = [];
    const withDisks: { sessionId: number; disks: string[] }[] = [];
    for (const s of t.sessions) {
      const found = await sessionDisks(ctx, t.host, s.sessionId);
      if (found.gone) notes.push(`session [${s.sessionId}] is no longer on ${t.host}: nothing to flush`);
      else if (found.disks.length === 0) {
        notes.push(
          `session [${s.sessionId}]: iscsiadm -m session -r ${s.sessionId} -P 3 on ${t.host} lists no "Attached scsi disk" (it answered: ${found.answer || 'nothing'}); no device to delete, no map to flush`,
        );
      } else withDisks.push({ sessionId: s.sessionId, disks: found.disks });
    }
    if (withDisks.length === 0) return { items: [], notes };
    const disks = withDisks.flatMap((s) => s.disks.map((name) => ({ sessionId: s.sessionId, name })));
    const maps = await multipathMaps(ctx, t.host);
    const holding = (maps ? mapsHolding(maps, disks.map((d) => d.name)) : []).map((m) => ({ name: m.name, dm: m.dm ?? m.wwid ?? '' }));
    if (maps === null) notes.push(`multipath is not installed on ${t.host} (multipath -l: command not found): no map to flush`);
    else if (holding.length === 0) notes.push(`no multipath map on ${t.host} holds ${disks.map((d) => d.name).join(', ')}`);

    // An attempt that was stopped in the middle of the item left part of its work done: the plan
    // keeps the first plan's operations, in their order, so that the journal's acknowledgements
    // still name the right ones, and what is gone now gets a read in place of its change.
    const earlier = flushWorkFact.get(ctx);
    const within = earlier !== undefined && disks.every((d) => earlier.disks.some((e) => sameDisk(d, e))) && holding.every((m) => earlier.maps.some((e) => sameMap(m, e)));
    const work: FlushWork = within ? earlier : { sessionIds: withDisks.map((s) => s.sessionId), maps: holding, disks };
    if (!within) await flushWorkFact.set(ctx, work);
    const goneMaps = work.maps.filter((m) => !holding.some((x) => sameMap(m, x)));
    const goneDisks = work.disks.filter((d) => !disks.some((x) => sameDisk(d, x)));
    if (goneMaps.length + goneDisks.length > 0) {
      notes.push(
        `already gone from ${t.host}, not changed again: ${[...goneMaps.map((m) => `multipath map ${m.name} (${m.dm})`), ...goneDisks.map((d) => `${d.name} of session [${d.sessionId}]`)].join(', ')}`,
      );
    }

    const target = { volume: t.volumeId };
    const mapGone = (m: FlushWork['maps'][number]): ShellOperation => ({
      ...multipathListOp(t.host),
      summary: `multipath map ${m.name} (${m.dm}) is no longer listed on ${t.host}: nothing to flush`,
    });
    const diskGone = (d: FlushWork['disks'][number]): ShellOperation => ({
      ...sessionDetailOp(t.host, d.sessionId),
      summary: `${d.name} is no longer attached to session [${d.sessionId}] on ${t.host}: nothing to flush or delete`,
    });
    const left = work.disks.filter((d) => !goneDisks.includes(d));
    // One item, its operations in order: a map holds the disks of every portal's session, so it
    // goes before any of them; items of a step run side by side, operations of an item do not.
    const item: PlanItem<FlushWork> = {
      key: flushKey(work),
      summary: `session(s) ${withDisks.map((s) => `[${s.sessionId}]`).join(', ')} on ${t.host}: ${holding.length ? `flush ${holding.map((m) => m.name).join(', ')}, ` : ''}delete ${left.map((d) => d.name).join(', ')}`,
      target: { host: t.host, volume: t.volumeId },
      ops: [
        ...work.maps.map((m) => (goneMaps.includes(m) ? mapGone(m) : multipathFlushOp(t.host, m.name, target))),
        ...work.disks.flatMap((d) => (goneDisks.includes(d) ? [diskGone(d), diskGone(d)] : [flushBuffersOp(t.host, d.name, target), deleteScsiDeviceOp(t.host, d.name, target)])),
      ],
      data: work,
    };
    return { items: [item], notes };
  },
  async resolve(ctx, item) {
    const t = targetFact.require(ctx);
    const work = item.data as FlushWork;
    for (const sessionId of work.sessionIds) {
      const found = await sessionDisks(ctx, t.host, sessionId, false);
      if (found.disks.some((name) => work.disks.some((d) => sameDisk(d, { sessionId, name })))) return 'not-done';
    }
    if (work.maps.length > 0) {
      const maps = await multipathMaps(ctx, t.host);
      if (maps?.some((m) => work.maps.some((w) => w.name === m.name))) return 'not-done';
    }
    return 'done';
  },
  async verify(ctx) {
    // Read back before the logout step may run: a session logged out under its devices can hang the host.
    const t = targetFact.require(ctx);
    const left: string[] = [];
    for (const s of t.sessions) {
      const found = await sessionDisks(ctx, t.host, s.sessionId, false);
      left.push(...found.disks.map((d) => `${d} of session [${s.sessionId}]`));
    }
    return left.length === 0
      ? { ok: true, detail: `read back: no SCSI disk of ${t.sessions.length ? t.sessions.map((s) => `[${s.sessionId}]`).join(', ') : 'the volume'} left on ${t.host}` }
      : { ok: false, detail: `still attached on ${t.host}: ${left.join(', ')}; its session is not logged out while they exist` };
  },
};

export const logoutStep: Step<IscsiCleanupParams> = {
  id: 'logout',
  title: 'Close the stalled iSCSI session (iscsiadm -m session -r N -u)',
  changes: 'the iSCSI session(s) of the volume on the compute node, each logged out by its own id',
  guards: [sessionBelongsGuard, notRunningGuard],
  async plan(ctx) {
    const t = targetFact.require(ctx);
    const { sessions } = await hostSessions(ctx, t.host);
    const items: PlanItem[] = [];
    const notes: string[] = [];
    for (const s of t.sessions) {
      if (!sessions.some((x) => x.sessionId === s.sessionId)) {
        notes.push(`session [${s.sessionId}] is no longer on ${t.host}: already logged out`);
        continue;
      }
      items.push({
        key: `logout:${s.sessionId}`,
        summary: `log out session [${s.sessionId}] ${s.portal} ${s.iqn} on ${t.host}`,
        target: { host: t.host, volume: t.volumeId },
        ops: [logoutSessionOp(t.host, s.sessionId, { volume: t.volumeId })],
        data: { sessionId: s.sessionId, iqn: s.iqn },
      });
    }
    return { items, notes };
  },
  async resolve(ctx, item) {
    const t = targetFact.require(ctx);
    const { sessionId, iqn } = item.data as { sessionId: number; iqn: string };
    const { sessions } = await hostSessions(ctx, t.host);
    return sessions.some((s) => s.sessionId === sessionId && s.iqn === iqn) ? 'not-done' : 'done';
  },
  async verify(ctx) {
    const t = targetFact.require(ctx);
    const { sessions } = await hostSessions(ctx, t.host);
    const left = sessions.filter((s) => t.sessions.some((x) => x.sessionId === s.sessionId && x.iqn === s.iqn) || sessionBelongs(s, t));
    return left.length === 0
      ? { ok: true, detail: `read back: no session of volume ${t.volumeId} left on ${t.host} (${sessions.length} other session(s) untouched)` }
      : { ok: false, detail: `still on ${t.host}: ${left.map((s) => `[${s.sessionId}] ${s.iqn}`).join(', ')}` };
  },
};

/** The volume row alone, when no attachment row is left to clean but the volume still reads attached. */
function volumeOnlyOps(t: CleanupTarget): SqlOperation[] {
  const target = { volume: t.volumeId };
  const id = t.flavour === 'nova-volume' ? Number(t.volumeId) : t.volumeId;
  const backup = { table: 'volumes', key: 'id', where: 'id = ?', params: [id] };
  const summary = `set volume ${t.volumeId} available/detached`;
  switch (t.flavour) {
    case 'modern':
      return [
        updateRows(
          'cinder',
          summary,
          "UPDATE volumes SET status = 'available', attach_status = 'detached', updated_at = UTC_TIMESTAMP() WHERE id = ? AND status <> 'error_deleting' AND NOT EXISTS (SELECT 1 FROM volume_attachment a WHERE a.volume_id = volumes.id AND a.deleted = 0)",
          [id],
          target,
          backup,
        ),
      ];
    case 'cinder-columns':
      return [
        updateRows(
          'cinder',
          summary,
          "UPDATE volumes SET status = IF(status = 'error_deleting', status, 'available'), attach_status = 'detached', mountpoint = NULL, instance_uuid = NULL, attached_host = NULL, updated_at = UTC_TIMESTAMP() WHERE id = ?",
          [id],
          target,
          backup,
        ),
      ];
    case 'nova-volume':
      return [
        updateRows(
          'nova',
          summary,
          "UPDATE volumes SET mountpoint = NULL, status = IF(status = 'error_deleting', status, 'available'), attach_status = 'detached', instance_id = 0 WHERE id = ?",
          [id],
          target,
          backup,
        ),
      ];
  }
}

export const resetDbStep: Step<IscsiCleanupParams> = {
  id: 'reset-db',
  title: 'Inform the cloud controller: set the volume available/detached in the database',
  changes: "that one volume's rows (Cinder volumes/volume_attachment and Nova block_device_mapping, or nova-volume's volumes), in one transaction, rows saved first with a rollback script",
  guards: [notRunningGuard, notBootVolumeGuard],
  async plan(ctx) {
    const t = targetFact.require(ctx);
    if (t.pairs.length > 0) {
      return {
        notes: [FREE_NOT_REFRESH],
        items: [
          {
            key: `reset-db:${t.volumeId}`,
            summary: `reset volume ${t.volumeId}: detach it from ${t.pairs.map((x) => x.instanceUuid).join(', ')}`,
            target: { volume: t.volumeId },
            ops: cleanupOps(t.flavour, pairsInCells(ctx, t)),
          },
        ],
      };
    }
    const clean = (t.volumeStatus === 'available' || t.volumeStatus === 'error_deleting') && t.attachStatus === 'detached';
    if (clean || t.elsewhere.length > 0) {
      return { items: [], notes: [clean ? `volume ${t.volumeId} is already ${t.volumeStatus}/${t.attachStatus}: nothing to reset` : `volume ${t.volumeId} stays ${t.volumeStatus}: it is attached on another host`] };
    }
    return { items: [{ key: `reset-db:${t.volumeId}`, summary: `reset volume ${t.volumeId} (no attachment row left)`, target: { volume: t.volumeId }, ops: volumeOnlyOps(t) }] };
  },
  async verify(ctx) {
    const t = targetFact.require(ctx);
    const left = await cleanupLeftovers(ctx, t.flavour, pairsInCells(ctx, t));
    const db = t.flavour === 'nova-volume' ? 'nova' : 'cinder';
    const { rows = [] } = await ctx.read(selectRows(db, `read back volume ${t.volumeId}`, 'SELECT status, attach_status FROM volumes WHERE id = ?', [t.flavour === 'nova-volume' ? Number(t.volumeId) : t.volumeId]));
    const row = rows[0];
    const state = row ? `${String(row.status)}/${String(row.attach_status)}` : 'gone';
    if (left.length > 0) return { ok: false, detail: `not clean after the commit: ${left.join('; ')}` };
    if (t.elsewhere.length === 0 && row && row.attach_status !== 'detached') return { ok: false, detail: `volume ${t.volumeId} reads ${state} after the commit` };
    return { ok: true, detail: `read back: volume ${t.volumeId} is ${state}${t.elsewhere.length ? ' (still attached on another host)' : ''}` };
  },
};

// Measured on both real beds (test/beds/FINDINGS-epoxy.md): refresh keeps the volume attached.
const FREE_NOT_REFRESH =
  'path: the rows are reset so that the volume is free (available/detached); `nova-manage volume_attachment refresh` is not used: it keeps the volume attached to its instance and only renews the connection';

export const reconnectStep: Step<IscsiCleanupParams> = {
  id: 'reconnect',
  title: 'Discover the targets and log in again (iscsiadm -m discovery, iscsiadm -m node -l)',
  changes: 'the node records (discovery) and a new iSCSI session (login) on the compute node',
  optional: true,
  enabled: (p) => p.reconnect,
  unguarded:
    'discovery and login only add a node record and a session, never close one; iscsiadm itself refuses a second session to the same target (error 15, diagnosed with the guide\'s fix), and an unreachable or unresolvable portal fails with the guide\'s diagnosis',
  async plan(ctx) {
    const t = targetFact.require(ctx);
    const { portal, target } = ctx.params;
    const notes = target && !t.providerIqn && !t.nameIds.some((id) => target.endsWith(`:volume-${id}`)) ? [`--target ${target} is not the target of volume ${t.volumeId}`] : [];
    return {
      notes,
      items: [
        {
          key: `reconnect:${target}@${portal}`,
          summary: `discover ${portal} and log in to ${target} from ${t.host}`,
          target: { host: t.host },
          ops: [discoveryOp(t.host, portal!), loginOp(t.host, target!, portal!)],
        },
      ],
    };
  },
  async verify(ctx) {
    const t = targetFact.require(ctx);
    const { sessions } = await hostSessions(ctx, t.host);
    const s = sessions.find((x) => x.iqn === ctx.params.target);
    return s ? { ok: true, detail: `read back: session [${s.sessionId}] ${s.portal} ${s.iqn} on ${t.host}` } : { ok: false, detail: `no session to ${ctx.params.target} on ${t.host} after the login` };
  },
};
