// nova.conf as nova-compute reads it: files in order, the later overriding, instances_path
// defaulting to $state_path/instances, $state_path substituted, missing files named.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { instancesPathOf, parseNovaConfDump, readNovaConfs } from '../../src/operations/nova-conf.js';

const run = promisify(execFile);

describe('instances_path from nova.conf', () => {
  it('the later file overrides, $state_path and ${state_path} are substituted', () => {
    const files = [
      { file: '/etc/nova/nova.conf', text: '[DEFAULT]\nstate_path = /srv/nova\ninstances_path = /var/lib/nova/instances\n' },
      { file: '/etc/nova/nova-compute.conf', text: '[DEFAULT]\ninstances_path = ${state_path}/vms\n[libvirt]\nvirt_type = kvm\n' },
    ];
    expect(instancesPathOf(files)).toEqual({ path: '/srv/nova/vms', from: '/etc/nova/nova-compute.conf [DEFAULT] instances_path' });
    expect(instancesPathOf([{ file: '/etc/nova/nova.conf', text: '[DEFAULT]\ninstances_path = $state_path/instances\n' }]).path).toBe('/var/lib/nova/instances');
  });

  it('without instances_path: $state_path/instances; nothing at all: the distribution default', () => {
    expect(instancesPathOf([{ file: '/etc/nova/nova.conf', text: '[DEFAULT]\nstate_path = /data/nova/\n' }])).toEqual({
      path: '/data/nova/instances',
      from: 'the default $state_path/instances (state_path from /etc/nova/nova.conf)',
    });
    expect(instancesPathOf([{ file: '/etc/nova/nova.conf', text: null }]).path).toBe('/var/lib/nova/instances');
    // A key in another section is not the DEFAULT one.
    expect(instancesPathOf([{ file: '/etc/nova/nova.conf', text: '[libvirt]\ninstances_path = /nope\n' }]).path).toBe('/var/lib/nova/instances');
  });

  it('reads every file in one command on the host, naming the missing ones (a real shell, a real root)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'novaops-novaconf-'));
    try {
      await mkdir(path.join(root, 'etc/nova'), { recursive: true });
      await writeFile(path.join(root, 'etc/nova/nova.conf'), '[DEFAULT]\ninstances_path = /x/y\n');
      const files = ['/etc/nova/nova.conf', '/etc/nova/nova-compute.conf'];
      const op = readNovaConfs('compute1', root, files);
      const out = await run(op.argv[0], op.argv.slice(1));
      const parsed = parseNovaConfDump(out.stdout, root, files);
      expect(parsed.map((f) => [f.file, f.text === null])).toEqual([
        ['/etc/nova/nova.conf', false],
        ['/etc/nova/nova-compute.conf', true],
      ]);
      expect(instancesPathOf(parsed).path).toBe('/x/y');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
