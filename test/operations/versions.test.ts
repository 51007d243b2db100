// The version documents' parsers and the choice of a microversion: the highest novaops knows that
// the cloud offers, compared number by number (2.100 is above 2.95), or a message naming the
// request, what it needs and what the cloud offers.
import { describe, expect, it } from 'vitest';
import {
  compareMicroversions,
  parseComputeVersionDocument,
  parsePlacementVersionDocument,
  pickMicroversion,
  type VersionRange,
} from '../../src/operations/openstack/versions.js';

const compute = (min: string, max: string): VersionRange => ({ service: 'compute', min, max });

describe('pickMicroversion', () => {
  const evacuate = ['2.29', '2.95'] as const;

  it('picks the highest known that the cloud offers', () => {
    expect(pickMicroversion('evacuate', evacuate, compute('2.1', '2.93'))).toEqual({ ok: true, version: '2.29' });
    expect(pickMicroversion('evacuate', evacuate, compute('2.1', '2.95'))).toEqual({ ok: true, version: '2.95' });
    // 2.100 > 2.95 as numbers, not as strings.
    expect(pickMicroversion('evacuate', evacuate, compute('2.1', '2.100'))).toEqual({ ok: true, version: '2.95' });
    expect(pickMicroversion('changes-before', ['2.66'], compute('2.1', '2.100'))).toEqual({ ok: true, version: '2.66' });
  });

  it('respects the minimum the cloud offers', () => {
    expect(pickMicroversion('evacuate', evacuate, compute('2.50', '2.100'))).toEqual({ ok: true, version: '2.95' });
    expect(pickMicroversion('evacuate', evacuate, compute('2.30', '2.94'))).toEqual({
      ok: false,
      message: "evacuate needs compute microversion 2.29 or 2.95; this cloud's compute API offers 2.30 to 2.94",
    });
  });

  it('says none fits, naming the request, what it needs and what is offered', () => {
    expect(pickMicroversion('evacuate', evacuate, compute('2.1', '2.28'))).toEqual({
      ok: false,
      message: "evacuate needs compute microversion 2.29 or 2.95; this cloud's compute API offers 2.1 to 2.28",
    });
  });

  it('refuses a known list that does not ascend (a programming error, not the cloud)', () => {
    expect(() => pickMicroversion('evacuate', ['2.95', '2.29'], compute('2.1', '2.100'))).toThrow(/must ascend/);
  });

  it('compares as numbers', () => {
    expect(compareMicroversions('2.100', '2.95')).toBeGreaterThan(0);
    expect(compareMicroversions('2.9', '2.10')).toBeLessThan(0);
    expect(compareMicroversions('1.39', '2.1')).toBeLessThan(0);
  });
});

describe('version documents', () => {
  it("reads Nova's document (api sample shape), and the empty versions of a deployment without microversions", () => {
    const doc = { version: { id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [] } };
    expect(parseComputeVersionDocument(doc)).toEqual({ service: 'compute', min: '2.1', max: '2.93' });
    expect(parseComputeVersionDocument({ version: { id: 'v2.1', version: '', min_version: '' } })).toEqual({ service: 'compute', min: '2.1', max: '2.1' });
  });

  it("reads Placement's document", () => {
    const doc = { versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [] }] };
    expect(parsePlacementVersionDocument(doc)).toEqual({ service: 'placement', min: '1.0', max: '1.39' });
  });

  it('names what does not fit', () => {
    expect(() => parseComputeVersionDocument({ versions: [] })).toThrow(/the Compute API version document: version: /);
    expect(() => parseComputeVersionDocument({ version: { id: 'v2.1', version: 'latest', min_version: '2.1' } })).toThrow(/version\.version: /);
    expect(() => parsePlacementVersionDocument({ versions: [] })).toThrow(/the Placement version document: versions: /);
  });
});
