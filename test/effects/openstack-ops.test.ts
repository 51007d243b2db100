import { describe, expect, it } from 'vitest';
import { attachVolume, listServerVolumeAttachments } from '../../src/operations/openstack/attachments.js';
import { listInstanceActions } from '../../src/operations/openstack/instance-actions.js';
import { listComputeServices } from '../../src/operations/openstack/os-services.js';
import { listServers, rebootServer, showServer } from '../../src/operations/openstack/servers.js';
import { listVolumes, showVolume } from '../../src/operations/openstack/volumes.js';
import { pathShape } from '../../src/effects/openstack/path-shape.js';

const id = '6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b';
const vol = '0b7a5b1e-1111-4222-8333-944455556666';

describe('openstack ops (pure builders)', () => {
  it('build operations with their openstack CLI equivalents', () => {
    expect(listServers({ allProjects: true, host: 'compute1' })).toMatchObject({
      method: 'GET',
      service: 'compute',
      path: '/servers/detail?all_tenants=1&host=compute1',
      mutating: false,
      paginate: { collection: 'servers' },
      command: 'openstack server list --all-projects --long --host compute1',
    });
    expect(showServer(id).command).toBe(`openstack server show ${id}`);
    expect(rebootServer(id, 'HARD')).toMatchObject({
      method: 'POST',
      path: `/servers/${id}/action`,
      body: { reboot: { type: 'HARD' } },
      okStatus: [202],
      mutating: true,
      target: { instance: id },
      command: `openstack server reboot --hard ${id}`,
    });
    expect(attachVolume(id, vol, '/dev/vdb')).toMatchObject({
      path: `/servers/${id}/os-volume_attachments`,
      body: { volumeAttachment: { volumeId: vol, device: '/dev/vdb' } },
      mutating: true,
      target: { instance: id, volume: vol },
      command: `openstack server add volume ${id} ${vol} --device /dev/vdb`,
    });
    expect(listServerVolumeAttachments(id).command).toBe(`openstack server volume list ${id}`);
    expect(listInstanceActions(id).command).toBe(`openstack server event list ${id}`);
    expect(listComputeServices().command).toBe('openstack compute service list --service nova-compute');
    expect(listVolumes({ allProjects: true, status: 'in-use' })).toMatchObject({
      service: 'volumev3',
      path: '/volumes/detail?all_tenants=1&status=in-use',
      command: 'openstack volume list --all-projects --long --status in-use',
    });
    expect(showVolume(vol).command).toBe(`openstack volume show ${vol}`);
    expect(listServers({ allProjects: true, name: "a b'c" }).command).toBe(`openstack server list --all-projects --long --name 'a b'\\''c'`);
  });

  it('parses instance actions and compute services', () => {
    expect(
      listInstanceActions(id).parse!({ instanceActions: [{ action: 'reboot', request_id: 'req-1', start_time: 't', message: null, instance_uuid: id }] }),
    ).toEqual([{ action: 'reboot', requestId: 'req-1', startTime: 't', message: null }]);
    expect(
      listComputeServices().parse!({ services: [{ id: 3, binary: 'nova-compute', host: 'c1', zone: 'nova', status: 'enabled', state: 'down', updated_at: null, forced_down: false }] })[0],
    ).toMatchObject({ id: '3', host: 'c1', state: 'down', forcedDown: false });
    expect(() => showServer(id).parse!({ nope: 1 })).toThrow(/server/);
  });

  it('path shapes replace ids', () => {
    expect(pathShape(`/servers/${id}/os-volume_attachments?x=1`)).toBe('/servers/{id}/os-volume_attachments');
    expect(pathShape('/os-services/12')).toBe('/os-services/{id}');
    expect(pathShape('/servers/detail')).toBe('/servers/detail');
  });
});
