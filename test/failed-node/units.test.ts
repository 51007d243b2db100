// The pure parts of failed-node: the libvirt.xml edit (an XML parser, not sed), the allocations an
// instance should hold after a move, the probes' parsers, and the parameters' own checks.
import { describe, expect, it } from 'vitest';
import { editLibvirtXml, LibvirtXmlError, parseXml, readAddresses } from '../../runbooks/failed-node/libvirt-xml-edit.js';
import { allocationsAfterMove } from '../../src/operations/openstack/allocations.js';
import { parseInstanceDirProbe, parseReadFiles } from '../../src/operations/host-files.js';
import { failedNode } from '../../runbooks/failed-node/runbook.js';
import { apiMessage } from '../../src/effects/openstack/api-message.js';
import { serviceVmReason } from '../../runbooks/failed-node/service-vms.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by nova -->
<domain type='kvm' xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
  <name>instance-0000002a</name>
  <devices>
    <interface type="bridge">
      <filterref filter="nova-instance-instance-0000002a-fa163e000001">
        <parameter name="IP" value="10.0.0.5"/>
        <parameter name="DHCPSERVER" value="10.0.0.1"/>
        <parameter name="PROJNET" value="10.0.0.0"/>
      </filterref>
    </interface>
    <graphics type="vnc" autoport="yes" keymap="en-us" listen="10.0.0.1">
      <listen type="address" address="10.0.0.1"/>
    </graphics>
    <graphics type="spice" listen="10.0.0.1"/>
  </devices>
</domain>
`;

describe('libvirt.xml edit', () => {
  it('changes DHCPSERVER and the VNC listen addresses only, and the result parses', () => {
    const edit = editLibvirtXml(XML, '10.0.0.2');
    expect(edit.changes).toEqual(['DHCPSERVER 10.0.0.1 -> 10.0.0.2', 'VNC listen 10.0.0.1 -> 0.0.0.0', 'VNC listen 10.0.0.1 -> 0.0.0.0']);
    expect(() => parseXml(edit.text)).not.toThrow();
    expect(readAddresses(edit.text)).toEqual({ dhcpServers: ['10.0.0.2'], vncListen: ['0.0.0.0', '0.0.0.0'] });
    // The IP parameter, the SPICE listen address, the comment and the declaration stay.
    expect(edit.text).toContain('<parameter name="IP" value="10.0.0.5"/>');
    expect(edit.text).toContain('<graphics type="spice" listen="10.0.0.1"/>');
    expect(edit.text).toContain('<!-- written by nova -->');
    expect(edit.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });

  it('is a no-op on a file already edited (a resume)', () => {
    const once = editLibvirtXml(XML, '10.0.0.2');
    const twice = editLibvirtXml(once.text, '10.0.0.2');
    expect(twice.changes).toEqual([]);
    expect(twice.text).toBe(once.text);
  });

  it('refuses what is not well-formed XML, or not a domain', () => {
    expect(() => editLibvirtXml(XML.replace('</devices>', ''), '10.0.0.2')).toThrow(LibvirtXmlError);
    expect(() => editLibvirtXml('<network><name>x</name></network>', '10.0.0.2')).toThrow(/not a libvirt domain/);
    expect(() => editLibvirtXml('', '10.0.0.2')).toThrow(LibvirtXmlError);
  });

  it('handles the attribute values an operator would not expect', () => {
    const tricky = XML.replace('<name>instance-0000002a</name>', '<name>a &amp; b &lt;c&gt; "q"</name>');
    const edit = editLibvirtXml(tricky, '10.0.0.2');
    expect(edit.text).toContain('<name>a &amp; b &lt;c&gt; "q"</name>');
    expect(() => parseXml(edit.text)).not.toThrow();
  });
});

describe('allocations after a move', () => {
  const A = 'aaaaaaaa-0000-0000-0000-000000000001';
  const A_CHILD = 'aaaaaaaa-0000-0000-0000-000000000002';
  const B = 'bbbbbbbb-0000-0000-0000-000000000001';
  const SHARED = 'cccccccc-0000-0000-0000-000000000001';
  const res = { VCPU: 2, MEMORY_MB: 2048, DISK_GB: 20 };
  const base = { projectId: 'p', userId: 'u', consumerGeneration: 3 };

  it('after an evacuation (on both hosts): releases the failed host, keeps the target', () => {
    const after = allocationsAfterMove({ ...base, allocations: { [A]: { resources: res }, [B]: { resources: res } } }, new Set([A, A_CHILD]), A, B);
    expect(after).toEqual({ [B]: { resources: res } });
  });

  it('after a move in the database (on the failed host only): claims the same resources on the target', () => {
    const after = allocationsAfterMove({ ...base, allocations: { [A]: { resources: res }, [SHARED]: { resources: { DISK_GB: 20 } } } }, new Set([A]), A, B);
    expect(after).toEqual({ [B]: { resources: res }, [SHARED]: { resources: { DISK_GB: 20 } } });
  });
});

describe('parsers', () => {
  it('reads the probe of instance directories', () => {
    const p = parseInstanceDirProbe('dir u1 xml=1 disk=0\ndir u2 xml=0 disk=1\nnoise\n');
    expect(p.instancesPathExists).toBe(true);
    expect([...p.dirs]).toEqual([
      ['u1', { libvirtXml: true, disk: false }],
      ['u2', { libvirtXml: false, disk: true }],
    ]);
    expect(parseInstanceDirProbe('missing-instances-path\n').instancesPathExists).toBe(false);
  });

  it('reads files sent back in base64', () => {
    const text = '<a>é\n</a>\n';
    const out = parseReadFiles(`/x/libvirt.xml ${Buffer.from(text).toString('base64')}\n`);
    expect(out.get('/x/libvirt.xml')).toBe(text);
  });

  it("reads Placement's error bodies", () => {
    const body = {
      errors: [
        {
          status: 409,
          title: 'Conflict',
          detail: 'There was a conflict when trying to complete your request.\n\n consumer generation conflict - expected 1 but got 0  ',
          code: 'placement.concurrent_update',
          request_id: 'req-1',
        },
      ],
    };
    expect(apiMessage(body, JSON.stringify(body))).toBe('consumer generation conflict - expected 1 but got 0 (placement.concurrent_update)');
  });
});

describe('service VMs', () => {
  const amphora = { name: 'amphora-0f1e2d3c-0000-4000-8000-000000000001', metadata: { 'octavia-amphora-id': '0f1e', service: 'octavia' } };
  it('by name, by metadata key, or not at all', () => {
    expect(serviceVmReason(amphora, /^amphora-/, [])).toBe('name matches /^amphora-/');
    expect(serviceVmReason(amphora, new RegExp(''), ['octavia-amphora-id'])).toBe('metadata octavia-amphora-id=0f1e');
    expect(serviceVmReason({ name: 'web-1', metadata: {} }, /^amphora-/, ['octavia-amphora-id'])).toBeUndefined();
    expect(serviceVmReason(amphora, new RegExp(''), [])).toBeUndefined();
  });
});

describe('parameters', () => {
  const ok = { failedHost: 'compute1', targetHost: 'compute2' };
  it("defaults: evacuate, no rebuild, the instances path left to the target's nova.conf, amphorae left alone", () => {
    const parsed = failedNode.params.parse(ok);
    expect(parsed).toMatchObject({ method: 'evacuate', allowRebuild: false, serviceVmNames: '^amphora-', serviceVmMetadata: [] });
    expect(parsed.instancesPath).toBeUndefined();
  });
  it('refuses what names nothing, with the flag in the message', () => {
    const issue = (raw: object) => failedNode.params.safeParse(raw).error?.issues[0]?.message ?? '';
    expect(issue({ ...ok, targetHost: 'compute1' })).toContain('--failed-host and --target-host are both compute1');
    expect(issue({ ...ok, method: 'rsync' })).toContain("--method 'rsync' is not a method");
    expect(issue({ ...ok, instancesPath: 'var/lib' })).toContain('is not an absolute path');
    expect(issue({ ...ok, serviceVmNames: '([' })).toContain('is not a regular expression');
    expect(issue({ ...ok, updateAttachedHost: true })).toContain('--update-attached-host goes with --method db');
    expect(issue({ targetHost: 'compute2' })).toContain('--failed-host is required');
  });
});
