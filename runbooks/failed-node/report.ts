// The instances as the preflight found them, as text an operator greps at 3 a.m. and a
// post-mortem reads: what each was, where its disk was, what it held in Placement.
import type { ExcludedInstance, FailedInstance } from './facts.js';

export const INSTANCES_TSV = 'failed-node-instances.tsv';

export function instancesTsv(instances: readonly FailedInstance[], excluded: readonly ExcludedInstance[]): string {
  const header = '# instance\tname\tvm_state\tkind\tshared_storage\tlibvirt_xml_on_target\tvolumes (id@device)\tallocations (provider: resources)';
  const lines = instances.map((i) =>
    [
      i.uuid,
      i.name,
      i.vmState ?? '',
      i.bootFromVolume ? 'boot-from-volume' : `image ${i.imageId ?? '?'}`,
      i.sharedStorage === null ? 'unknown' : i.sharedStorage ? 'yes' : 'no',
      i.libvirtXml ? 'yes' : 'no',
      i.volumes.map((v) => `${v.id}@${v.device ?? '?'}${v.boot ? '(boot)' : ''}`).join(' '),
      Object.entries(i.allocations)
        .map(([rp, r]) => `${rp}: ${Object.entries(r).map(([k, n]) => `${k}=${n}`).join(',')}`)
        .join(' '),
    ].join('\t'),
  );
  const left = excluded.map((e) => `# left alone: ${e.uuid}\t${e.name}\t${e.reason}`);
  return [header, ...lines, ...left, ''].join('\n');
}
