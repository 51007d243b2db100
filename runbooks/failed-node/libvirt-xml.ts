// Step (--method db). "If you use a hypervisor that relies on libvirt, such as KVM, update the
// libvirt.xml file in /var/lib/nova/instances/[instance ID] with these changes: Change the
// DHCPSERVER value to the host IP address of the new compute host. Update the VNC IP to 0.0.0.0."
// Only where the file exists on the target (older deployments left it there; modern Nova keeps the
// domain in libvirt and rewrites it on the hard reboot). Each file: the original kept beside it and
// in the run directory, the edit made with an XML parser, written only if the file is still the one
// read, and read back as valid XML saying what was meant.
import { z } from 'zod';
import type { ItemOutcome, PlanItem, Step, StepContext } from '../../src/engine/runbook.js';
import { defineFact } from '../../src/engine/fact.js';
import { showList } from '../../src/values/show-value.js';
import { backupFile, parseReadFiles, readFiles, replaceFileIfUnchanged } from '../../src/operations/host-files.js';
import { hostsOf, label, moveKey, movingInstances, withDb, type FailedNodeParams } from './facts.js';
import { onTargetGuard } from './guards.js';
import { targetInstancesPath } from './instances-path.js';
import { editLibvirtXml, LibvirtXmlError, readAddresses, sha256, VNC_LISTEN_ANY } from './libvirt-xml-edit.js';

const CHUNK = 50;

const xmlEdit = z.object({ uuid: z.string(), path: z.string(), backup: z.string(), original: z.string(), edited: z.string() });
type XmlEditRecord = z.infer<typeof xmlEdit>;
/** The edits this run planned (sha256 of the original and of the edited file), kept across resumes. */
const editsFact = defineFact('failed-node.libvirt-xml', z.array(xmlEdit), 'the libvirt.xml step');

export function xmlPath(ctx: StepContext<FailedNodeParams>, uuid: string): string {
  return `${targetInstancesPath(ctx).replace(/\/+$/, '')}/${uuid}/libvirt.xml`;
}

export function backupPath(ctx: StepContext<FailedNodeParams>, uuid: string): string {
  return `${xmlPath(ctx, uuid)}.novaops-${ctx.runId}`;
}

export const libvirtXmlStep: Step<FailedNodeParams> = {
  id: 'libvirt-xml',
  title: "Update libvirt.xml on the target host: DHCPSERVER to the target's IP, VNC listen to 0.0.0.0",
  changes: "on the target host, <instances_path>/<uuid>/libvirt.xml of each moved instance that has one: the original kept beside it (libvirt.xml.novaops-<run id>), the edited file written in one rename",
  appliesWhen: withDb,
  guards: [onTargetGuard],
  async plan(ctx) {
    const { target } = hostsOf(ctx);
    const withXml = movingInstances(ctx, 'move-db', moveKey).filter((i) => i.libvirtXml);
    if (withXml.length === 0) {
      return { items: [], notes: [`no moved instance has a libvirt.xml under ${targetInstancesPath(ctx)} on ${target.host}: nothing to edit (Nova rewrites the domain on the hard reboot)`] };
    }
    if (!ctx.hosts().includes(target.host)) {
      ctx.warn(`${target.host} is not in the novaops config (hosts:): the libvirt.xml of ${withXml.length} instance(s) cannot be edited; edit them by hand before the reboot`);
      return { items: [] };
    }
    if (!target.hostIp) {
      ctx.warn(`${target.host}'s IP address is not known (compute_nodes.host_ip is empty): the libvirt.xml of ${withXml.length} instance(s) are not edited; set DHCPSERVER by hand`);
      return { items: [] };
    }
    const texts = new Map<string, string>();
    for (let n = 0; n < withXml.length; n += CHUNK) {
      const paths = withXml.slice(n, n + CHUNK).map((i) => xmlPath(ctx, i.uuid));
      for (const [path, text] of parseReadFiles((await ctx.read(readFiles(target.host, paths))).stdout ?? '')) texts.set(path, text);
    }
    const records = new Map((editsFact.get(ctx) ?? []).map((r) => [r.uuid, r]));
    const items: PlanItem<XmlEditRecord>[] = [];
    const unchanged: string[] = [];
    for (const i of withXml) {
      const path = xmlPath(ctx, i.uuid);
      const text = texts.get(path);
      if (text === undefined) {
        ctx.warn(`${label(i)}: ${path} is gone from ${target.host} since the preflight; nothing to edit`);
        continue;
      }
      let edit;
      try {
        edit = editLibvirtXml(text, target.hostIp);
      } catch (error) {
        if (!(error instanceof LibvirtXmlError)) throw error;
        ctx.warn(`${label(i)}: ${path} on ${target.host} is left as it is: ${error.message}; look at it by hand`);
        continue;
      }
      if (edit.changes.length === 0) {
        unchanged.push(label(i));
        continue;
      }
      const record: XmlEditRecord = { uuid: i.uuid, path, backup: backupPath(ctx, i.uuid), original: sha256(text), edited: sha256(edit.text) };
      records.set(i.uuid, record);
      // The run directory keeps both versions too: the original outlives a lost host.
      await ctx.artifacts.write(`libvirt-${i.uuid}.orig.xml`, text);
      await ctx.artifacts.write(`libvirt-${i.uuid}.edited.xml`, edit.text);
      const description = edit.changes.join(', ');
      items.push({
        key: `libvirt-xml:${i.uuid}`,
        summary: `edit ${path} of ${label(i)} on ${target.host}: ${description}`,
        target: { instance: i.uuid, host: target.host },
        ops: [
          backupFile(target.host, path, record.backup, { instance: i.uuid }),
          replaceFileIfUnchanged(target.host, path, record.original, { text: edit.text, sha256: record.edited, description }, { instance: i.uuid }),
        ],
        data: record,
      });
    }
    await editsFact.set(ctx, [...records.values()]);
    const notes = [`${items.length} libvirt.xml file(s) to edit on ${target.host} (DHCPSERVER ${target.hostIp}, VNC listen ${VNC_LISTEN_ANY}); originals kept as <file>.novaops-${ctx.runId} and in ${ctx.artifacts.dir}/libvirt-<uuid>.orig.xml`];
    if (unchanged.length) notes.push(`${unchanged.length} already say so: ${showList(unchanged, 5)}`);
    return { items, notes };
  },
  settle: async (ctx, items) => {
    const records = items.map((i) => i.data as XmlEditRecord);
    const problems = await checkEdits(ctx, records);
    return new Map(items.map((item): [string, ItemOutcome] => {
      const problem = problems.get((item.data as XmlEditRecord).uuid);
      return [item.key, problem ? { ok: false, detail: problem } : { ok: true, detail: 'written, read back as valid XML with the new addresses; original kept' }];
    }));
  },
  async verify(ctx) {
    const records = editsFact.get(ctx) ?? [];
    if (records.length === 0) return { ok: true, detail: 'no libvirt.xml edited' };
    const problems = await checkEdits(ctx, records);
    return problems.size === 0
      ? { ok: true, detail: `${records.length} libvirt.xml file(s) read back: valid XML, DHCPSERVER ${hostsOf(ctx).target.hostIp}, VNC listen ${VNC_LISTEN_ANY}, original kept beside each` }
      : { ok: false, detail: showList([...problems].map(([u, p]) => `${u}: ${p}`), 5) };
  },
};

/** Reads back each edited file and its backup: what is wrong with each, by instance uuid. */
async function checkEdits(ctx: StepContext<FailedNodeParams>, records: readonly XmlEditRecord[]): Promise<Map<string, string>> {
  const { target } = hostsOf(ctx);
  const problems = new Map<string, string>();
  for (let n = 0; n < records.length; n += CHUNK) {
    const chunk = records.slice(n, n + CHUNK);
    const read = parseReadFiles((await ctx.read(readFiles(target.host, chunk.flatMap((r) => [r.path, r.backup])))).stdout ?? '');
    for (const r of chunk) {
      const now = read.get(r.path);
      const backup = read.get(r.backup);
      if (now === undefined) problems.set(r.uuid, `${r.path} is missing`);
      else if (backup === undefined) problems.set(r.uuid, `the original ${r.backup} is missing`);
      else if (sha256(backup) !== r.original) problems.set(r.uuid, `${r.backup} is not the original read before the edit`);
      else if (sha256(now) !== r.edited) problems.set(r.uuid, `${r.path} is not the edited file (sha256 ${sha256(now).slice(0, 12)}…)`);
      else {
        try {
          const addresses = readAddresses(now);
          if (addresses.dhcpServers.some((a) => a !== target.hostIp) || addresses.vncListen.some((a) => a !== VNC_LISTEN_ANY)) {
            problems.set(r.uuid, `${r.path} reads DHCPSERVER ${addresses.dhcpServers.join(',') || '-'}, VNC listen ${addresses.vncListen.join(',') || '-'}`);
          }
        } catch (error) {
          problems.set(r.uuid, `${r.path} is not valid XML after the edit: ${(error as Error).message}`);
        }
      }
    }
  }
  return problems;
}
