// The volume map: which volume was attached to which instance at which mount point, captured
// before the DB cleanup destroys that knowledge (invariant 5). Written as JSON (what resume
// reads) and TSV (what an operator greps at 3 a.m.), then read back and compared.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Artifacts } from '../../src/engine/runbook.js';

export const MAP_JSON = 'volume-map.json';
export const MAP_TSV = 'volume-map.tsv';

const mapEntry = z.object({
  volumeId: z.string().min(1),
  instanceUuid: z.string().min(1),
  instanceName: z.string().nullable(),
  device: z.string().nullable(),
  host: z.string().nullable(),
  multiattach: z.boolean(),
  // The cell whose database holds the instance's block device mappings. A map captured before
  // novaops knew cells has none: its one cell is meant (see drp/entry-cell.ts).
  cell: z.string().min(1).optional(),
});
export type MapEntry = z.infer<typeof mapEntry>;

const volumeMap = z.object({
  capturedAt: z.string(),
  runId: z.string(),
  flavour: z.string(),
  scope: z.string().nullable(),
  entries: z.array(mapEntry),
});
export type VolumeMap = z.infer<typeof volumeMap>;

export function toTsv(map: VolumeMap): string {
  // The cell comes last: a script written for the five columns before it still reads them.
  const header = '# volume\tinstance\tmount_point\tinstance_name\thost\tcell';
  const lines = map.entries.map((e) => [e.volumeId, e.instanceUuid, e.device ?? '', e.instanceName ?? '', e.host ?? '', e.cell ?? ''].join('\t'));
  return [header, ...lines, ''].join('\n');
}

export function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes both forms durably, reads the JSON back and checks it is what was meant. */
export async function writeVolumeMap(artifacts: Artifacts, map: VolumeMap): Promise<{ path: string; sha256: string }> {
  const json = `${JSON.stringify(map, null, 2)}\n`;
  const path = await artifacts.write(MAP_JSON, json);
  await artifacts.write(MAP_TSV, toTsv(map));
  const back = await artifacts.read(MAP_JSON);
  if (back !== json) throw new Error(`the volume map read back from ${path} differs from what was written; the DB cleanup will not run`);
  return { path, sha256: checksum(json) };
}

export async function readVolumeMap(artifacts: Pick<Artifacts, 'dir' | 'read'>): Promise<{ map: VolumeMap; sha256: string } | undefined> {
  const text = await artifacts.read(MAP_JSON);
  if (text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${artifacts.dir}/${MAP_JSON} is not JSON`);
  }
  const parsed = volumeMap.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${artifacts.dir}/${MAP_JSON} is not a valid volume map (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'})`);
  }
  return { map: parsed.data, sha256: checksum(text) };
}

/** Pairs of the same multi-attach volume go in successive waves, one attachment at a time. */
export function waveOf(entries: readonly MapEntry[]): Map<string, number> {
  const seen = new Map<string, number>();
  const waves = new Map<string, number>();
  for (const e of entries) {
    const n = seen.get(e.volumeId) ?? 0;
    seen.set(e.volumeId, n + 1);
    waves.set(pairKey(e), n);
  }
  return waves;
}

export function pairKey(e: Pick<MapEntry, 'volumeId' | 'instanceUuid'>): string {
  return `${e.volumeId}:${e.instanceUuid}`;
}
