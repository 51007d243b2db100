// The services' version documents, and the choice of a microversion from them. novaops knows, per
// request, the microversions whose behaviour it was built for; it asks for the highest of those the
// cloud offers, so a newer cloud is met at a version whose behaviour novaops knows, not at "latest".
//
// Shapes (nova api-ref versions.inc and doc/api_samples/versions/v21-version-get-resp.json; the
// Placement API reference "List Versions"):
// - compute GET <endpoint>/ (the endpoint ends in /v2.1): {"version": {"id": "v2.1", "version":
//   "2.93", "min_version": "2.1", ...}}; a deployment without microversions answers "" for both.
// - placement GET <endpoint>/: {"versions": [{"id": "v1.0", "max_version": "1.39",
//   "min_version": "1.0", ...}]}.
import { z } from 'zod';
import { posixCommand } from '../posix-quote.js';
import { fail, type ReadApi } from './request.js';

/** A microversion as "major.minor", compared number by number (2.100 is above 2.95). */
export interface Microversion {
  major: number;
  minor: number;
}

/** What a service offers: from min to max, both included. */
export interface VersionRange {
  service: 'compute' | 'placement';
  min: string;
  max: string;
}

export function parseMicroversion(text: string): Microversion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** <0, 0 or >0 as a is below, equal to or above b; both must be "major.minor". */
export function compareMicroversions(a: string, b: string): number {
  const x = parseMicroversion(a);
  const y = parseMicroversion(b);
  if (!x || !y) throw new Error(`not a microversion: ${!x ? a : b}`);
  return x.major - y.major || x.minor - y.minor;
}

/** Whether the cloud's range includes `version`. */
export function offers(range: VersionRange, version: string): boolean {
  return compareMicroversions(range.min, version) <= 0 && compareMicroversions(version, range.max) <= 0;
}

const microversionText = z.string().regex(/^\d+\.\d+$/, 'not a microversion (major.minor)');

const computeDocument = z.object({
  version: z.object({
    id: z.string(),
    // "" where the deployment has no microversions: only the base version 2.1 then.
    version: z.union([microversionText, z.literal('')]),
    min_version: z.union([microversionText, z.literal('')]),
  }),
});

export function parseComputeVersionDocument(body: unknown): VersionRange {
  const r = computeDocument.safeParse(body);
  if (!r.success) fail('the Compute API version document', r.error);
  const { version, min_version } = r.data.version;
  return { service: 'compute', min: min_version || '2.1', max: version || '2.1' };
}

const placementDocument = z.object({
  versions: z.array(z.object({ id: z.string(), max_version: microversionText, min_version: microversionText })).min(1),
});

export function parsePlacementVersionDocument(body: unknown): VersionRange {
  const r = placementDocument.safeParse(body);
  if (!r.success) fail('the Placement version document', r.error);
  const v = r.data.versions.find((x) => x.id === 'v1.0') ?? r.data.versions[0];
  return { service: 'placement', min: v.min_version, max: v.max_version };
}

/** GET <compute endpoint>/: the microversions this Nova offers. */
export function computeVersions(): ReadApi<VersionRange> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: '/',
    parse: parseComputeVersionDocument,
    summary: 'read the Compute API version document (the microversions it offers)',
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'versions', 'show', '--service', 'compute']),
  };
}

/** GET <placement endpoint>/: the microversions this Placement offers. */
export function placementVersions(): ReadApi<VersionRange> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: '/',
    parse: parsePlacementVersionDocument,
    summary: 'read the Placement API version document (the microversions it offers)',
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'versions', 'show', '--service', 'placement']),
  };
}

export type MicroversionChoice = { ok: true; version: string } | { ok: false; message: string };

/**
 * The highest of `known` (the versions `request` was built for, ascending) that `offered`
 * includes; or, when none is, a message naming the request, what it needs and what is offered.
 */
export function pickMicroversion(request: string, known: readonly string[], offered: VersionRange): MicroversionChoice {
  if (known.length === 0) throw new Error(`${request}: no microversion known`);
  for (let i = 1; i < known.length; i++) {
    if (compareMicroversions(known[i - 1], known[i]) >= 0) throw new Error(`${request}: known microversions must ascend (${known.join(', ')})`);
  }
  const fits = known.filter((v) => offers(offered, v));
  if (fits.length > 0) return { ok: true, version: fits[fits.length - 1] };
  return {
    ok: false,
    message: `${request} needs ${offered.service} microversion ${known.join(' or ')}; this cloud's ${offered.service} API offers ${offered.min} to ${offered.max}`,
  };
}
