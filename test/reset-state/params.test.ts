// Unit: what reset-state reads from the command line and decides per instance, without a lab —
// durations, instance references, the checks of the params, when an instance counts as stuck,
// and what happens to one that was being deleted; and the builders' requests.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../runbooks/lib/duration.js';
import { instanceRefProblem } from '../../runbooks/lib/instance-refs.js';
import { NAMED_MIN_STUCK_SECONDS, planFor, stuckness } from '../../runbooks/reset-state/facts.js';
import { resetStateParams, type ResetStateParams } from '../../runbooks/reset-state/params.js';
import { deleteServer, findServer, listServers, parseServerOrGone, resetServerState, type Server } from '../../src/operations/openstack/servers.js';

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['1d2h3m4s', 93_784],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });

  it.each([
    ['30', 'has no unit'],
    ['3x', 'is not a duration'],
    ['30m1h', 'is not a duration'],
    ['1h 30m', 'is not a duration'],
    ['', 'is not a duration'],
    ['0s', 'is zero'],
    ['-1m', 'is not a duration'],
    ['1.5h', 'is not a duration'],
    ['9999999m', 'is not a duration'],
  ])('%j is refused: %s', (text, reason) => {
    expect(parseDuration(text)).toEqual({ ok: false, reason });
  });

  it('prints the largest unit and the next one', () => {
    expect([0, 59, 90, 2701, 5400, 7201, 86_700].map(formatDuration)).toEqual(['0s', '59s', '1m30s', '45m1s', '1h30m', '2h', '1d']);
  });
});

describe('instance references', () => {
  it('takes UUIDs and plain names', () => {
    for (const ref of ['6a2ea0c5-fe0b-4fa5-b2af-4375c546d26f', '6A2EA0C5-FE0B-4FA5-B2AF-4375C546D26F', 'web-01', 'db.prod_2', 'deadbeef-1']) {
      expect(instanceRefProblem(ref), ref).toBeUndefined();
    }
  });

  it('names a typo\'d UUID as one', () => {
    for (const ref of ['6a2ea0c5-fe0b-4fa5-b2af-4375c546d26', '6a2ea0c5-fe0b-4fa5-b2af-4375c546d26ff', '6a2ea0c5fe0b4fa5b2af4375c546d26f', '6a2ea0c5-fe0b-4fa5-b2af-4375c546d26g']) {
      expect(instanceRefProblem(ref), ref).toMatch(/looks like a UUID but is not one/);
    }
  });

  it('refuses what is neither, echoing it cut short', () => {
    expect(instanceRefProblem('x;rm -rf /')).toMatch(/^'x;rm -rf \/' is neither an instance UUID nor an instance name/);
    expect(instanceRefProblem('a'.repeat(500))).toMatch(/\(500 characters\)/);
  });
});

describe('params', () => {
  const issues = (raw: Record<string, unknown>) => {
    const r = resetStateParams.safeParse(raw);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts instances, or --stuck-for, with the flags that go with them', () => {
    expect(issues({ instances: ['a', 'b'], active: true })).toEqual([]);
    expect(issues({ instances: ['a'], delete: true, force: true })).toEqual([]);
    expect(issues({ stuckFor: '1h30m', delete: true })).toEqual([]);
    expect(resetStateParams.parse({ stuckFor: '2h' })).toEqual({ instances: [], stuckFor: '2h', active: false, delete: false, force: false });
  });

  it('names each problem and what to type instead', () => {
    expect(issues({})).toEqual([expect.stringMatching(/^instances: which instances\?.*--stuck-for 30m/)]);
    expect(issues({ instances: ['a'], stuckFor: '30m' })).toEqual([expect.stringMatching(/^instances: both instances and --stuck-for were given/)]);
    expect(issues({ instances: ['a'], active: true, delete: true })).toEqual([expect.stringMatching(/^--active: --active and --delete contradict each other/)]);
    expect(issues({ stuckFor: '30m', force: true })).toEqual([expect.stringMatching(/^--force: --force only applies to instances named/)]);
    expect(issues({ stuckFor: '30' })).toEqual(["--stuck-for: '30' has no unit; give a number and a unit, e.g. 90s, 30m, 2h, 1h30m or 2d (units d, h, m, s, largest first)"]);
    expect(issues({ instances: ['ok', 'x y'] })).toEqual([expect.stringMatching(/^instances: 'x y' is neither/)]);
    expect(issues({ instances: ['a'], bogus: 1 })).toHaveLength(1);
  });
});

function server(over: Partial<Server>): Server {
  return {
    id: 'u', name: 'n', status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1, host: 'h', addresses: [], volumesAttached: [],
    updatedAt: '2026-01-01T00:00:00Z', node: 'h', imageId: null, metadata: {}, projectId: null, userId: null, fault: null, ...over,
  };
}
const params = (over: Partial<ResetStateParams> = {}): ResetStateParams => ({ instances: ['n'], active: false, delete: false, force: false, ...over });
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('stuck, and what is done', () => {
  it('stuck = a task in progress, unchanged for the threshold', () => {
    const min = NAMED_MIN_STUCK_SECONDS;
    expect(stuckness(server({ taskState: 'migrating' }), t0 + min * 1000, min)).toMatchObject({ stuck: true, ageSeconds: min });
    expect(stuckness(server({ taskState: 'migrating' }), t0 + (min - 1) * 1000, min)).toMatchObject({ stuck: false, why: expect.stringMatching(/changed only 4m59s ago \(less than 5m\)/) });
    expect(stuckness(server({ vmState: 'building', status: 'BUILD' }), t0 + 3_600_000, min)).toMatchObject({ stuck: true });
    expect(stuckness(server({ vmState: 'error', status: 'ERROR' }), t0 + 3_600_000, min)).toMatchObject({ stuck: false, why: expect.stringMatching(/no task in progress/) });
    expect(stuckness(server({ taskState: 'deleting', updatedAt: null }), t0, min)).toMatchObject({ stuck: false, why: expect.stringMatching(/no time/) });
    // A clock behind the API's: the age is never negative, and not stuck.
    expect(stuckness(server({ taskState: 'deleting' }), t0 - 60_000, min)).toMatchObject({ stuck: false, ageSeconds: 0 });
  });

  it('an instance being deleted is reset to error and deleted again, whatever the flags', () => {
    const deleting = server({ taskState: 'deleting' });
    expect(planFor(deleting, params())).toMatchObject({ resetTo: 'error', delete: true, note: expect.stringMatching(/deleted again/) });
    expect(planFor(deleting, params({ active: true }))).toMatchObject({ resetTo: 'error', delete: true, note: expect.stringMatching(/not reset to active/) });
    expect(planFor(server({ taskState: 'migrating' }), params({ active: true }))).toEqual({ resetTo: 'active', delete: false, note: null });
    expect(planFor(server({ taskState: 'migrating' }), params({ delete: true }))).toEqual({ resetTo: 'error', delete: true, note: null });
    expect(planFor(server({ taskState: 'migrating' }), params())).toEqual({ resetTo: 'error', delete: false, note: null });
  });
});

describe('builders', () => {
  it('os-resetState and delete, with the command an operator would type', () => {
    const id = '6a2ea0c5-fe0b-4fa5-b2af-4375c546d26f';
    expect(resetServerState(id, 'active')).toMatchObject({
      method: 'POST',
      path: `/servers/${id}/action`,
      body: { 'os-resetState': { state: 'active' } },
      okStatus: [202],
      mutating: true,
      target: { instance: id },
      command: `openstack server set --state active ${id}`,
    });
    expect(deleteServer(id)).toMatchObject({ method: 'DELETE', path: `/servers/${id}`, okStatus: [204, 404], mutating: true, command: `openstack server delete ${id}` });
    expect(findServer(id)).toMatchObject({ method: 'GET', okStatus: [200, 404], mutating: false });
  });

  it('changes-before goes with microversion 2.66, which Nova needs to honour it', () => {
    const op = listServers({ changedBefore: new Date('2026-11-22T03:10:06.789Z') });
    expect(op.path).toBe('/servers/detail?all_tenants=1&changes-before=2026-11-22T03%3A10%3A06Z');
    expect(op.microversion).toBe('2.66');
    expect(op.command).toBe('openstack --os-compute-api-version 2.66 server list --all-projects --long --changes-before 2026-11-22T03:10:06Z');
    expect(listServers().microversion).toBeUndefined();
  });

  it('reads a 404 as gone, and the state with its last change otherwise', () => {
    expect(parseServerOrGone({ itemNotFound: { code: 404, message: 'Instance x could not be found.' } })).toBeNull();
    expect(
      parseServerOrGone({
        server: { id: 'x', name: 'rs-a', status: 'ACTIVE', updated: '2026-11-22T03:26:29Z', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': 'deleting', 'OS-EXT-SRV-ATTR:host': 'compute1', 'os-extended-volumes:volumes_attached': [] },
      }),
    ).toMatchObject({ id: 'x', name: 'rs-a', status: 'ACTIVE', vmState: 'active', taskState: 'deleting', host: 'compute1', updatedAt: '2026-11-22T03:26:29Z', volumesAttached: [] });
    expect(() => parseServerOrGone({ server: { id: 'x' } })).toThrow(/server\.status/);
  });
});
