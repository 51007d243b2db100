// failed-node --method db, the guide's manual recovery, through the real CLI: host AND node moved in
// one transaction with the rows saved and a rollback script; Placement allocations moved to the
// target's provider; libvirt.xml edited with an XML parser where it exists on the target (original
// kept beside it, valid XML after, DHCPSERVER = the target's IP, VNC listen 0.0.0.0); each instance
// hard-rebooted once (a stopped one left stopped). The end state is read back row by row.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPaths, type FailedNodeSummary, hostAddress } from '../../src/lab/index.js';
import { parseXml, readAddresses } from '../../runbooks/failed-node/libvirt-xml-edit.js';
import { runCli } from '../support/cli.js';
import type { TestLab } from '../support/lab.js';
import { allRows, createFailedNodeLab, dbDigest, expectEndState, expectOnlyRelatedChanged, failedNode, hostTreeDigest, relatedFor, runArgs } from './support.js';

let lab: TestLab;
let s: FailedNodeSummary;

beforeAll(async () => {
  lab = await createFailedNodeLab();
  // Shared storage (the guide's premise for this procedure), and libvirt.xml in each instance's directory.
  s = await failedNode(lab, { sharedStorage: true, legacyLibvirtXml: true, seed: 21 });
});
afterAll(async () => lab?.destroy());

const xmlOf = (uuid: string) => path.join(hostPaths(lab.info.dir, s.targetHost).instancesDir, uuid, 'libvirt.xml');

describe('failed-node --method db', () => {
  it('dry-run: prints the exact UPDATE, the Placement moves and the libvirt.xml edits, and changes nothing', async () => {
    const db = await dbDigest(lab);
    const files = await hostTreeDigest(lab);
    await lab.resetStats();
    const dry = await runCli([...runArgs(lab, s, '--method', 'db'), '--dry-run'], lab.env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('plan: SQL [cell:cell1] UPDATE instances SET host = ?, node = ?');
    expect(dry.stdout).toContain(`["${s.targetHost}","${s.targetHost}",`);
    const moved = s.instances.filter((i) => i.kind !== 'service-vm');
    for (const i of moved) {
      expect(dry.stdout).toContain(`resource provider allocation set ${i.uuid}`);
      expect(dry.stdout).toContain(`write ${xmlOf(i.uuid)} (DHCPSERVER ${hostAddress(s.failedHost)} -> ${hostAddress(s.targetHost)}, VNC listen ${hostAddress(s.failedHost)} -> 0.0.0.0`);
    }
    expect(await dbDigest(lab)).toEqual(db);
    expect(await hostTreeDigest(lab)).toEqual(files);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });

  it('moves host and node, allocations and libvirt.xml, reboots once each, and reads the end state back', async () => {
    const moved = s.instances.filter((i) => i.kind !== 'service-vm');
    const originals = new Map<string, string>();
    for (const i of moved) originals.set(i.uuid, await readFile(xmlOf(i.uuid), 'utf8'));
    const before = await allRows(lab);
    await lab.resetStats();

    const run = await runCli([...runArgs(lab, s, '--method', 'db'), '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const uuids = moved.map((i) => i.uuid);
    await expectEndState(lab, s, uuids, { attachedHost: s.failedHost });
    expectOnlyRelatedChanged(before, await allRows(lab), relatedFor(s, uuids));

    // One transaction: the rows saved and a rollback script that puts host and node back.
    const runDir = /run directory: (\S+)/.exec(run.stdout)![1];
    const artifacts = await readdir(path.join(runDir, 'artifacts'));
    expect(artifacts).toContain('rows-move-db-attempt1.json');
    const rollback = await readFile(path.join(runDir, 'artifacts', 'rollback-move-db-attempt1.sql'), 'utf8');
    for (const u of uuids) expect(rollback).toContain(`'${u}'`);
    expect(rollback).toContain(`\`host\` = '${s.failedHost}'`);
    expect(rollback).toContain(`\`node\` = '${s.failedHost}'`);

    // Reboots: once each, except the stopped instance, which stays stopped.
    const stopped = moved.find((i) => i.vmState === 'stopped')!;
    const stats = await lab.stats();
    expect(stats.rebootsByServer).toEqual(Object.fromEntries(uuids.filter((u) => u !== stopped.uuid).map((u) => [u, 1])));
    expect(stats.evacuationsByServer).toEqual({});

    // libvirt.xml: valid XML after the edit, the new addresses, the original kept byte for byte.
    const backups = (name: string) => name.startsWith('libvirt.xml.novaops-');
    for (const i of moved) {
      const now = await readFile(xmlOf(i.uuid), 'utf8');
      expect(() => parseXml(now)).not.toThrow();
      expect(readAddresses(now)).toEqual({ dhcpServers: [hostAddress(s.targetHost)], vncListen: ['0.0.0.0'] });
      const dir = path.dirname(xmlOf(i.uuid));
      const kept = (await readdir(dir)).filter(backups);
      expect(kept).toHaveLength(1);
      expect(await readFile(path.join(dir, kept[0]), 'utf8')).toBe(originals.get(i.uuid));
      // Nothing but the two addresses changed, byte for byte.
      const expected = originals
        .get(i.uuid)!
        .replace(`name="DHCPSERVER" value="${hostAddress(s.failedHost)}"`, `name="DHCPSERVER" value="${hostAddress(s.targetHost)}"`)
        .replace(`listen="${hostAddress(s.failedHost)}"`, 'listen="0.0.0.0"');
      expect(now).toBe(expected);
    }
    expect(run.stdout).toContain(`libvirt.xml file(s) read back: valid XML, DHCPSERVER ${hostAddress(s.targetHost)}, VNC listen 0.0.0.0, original kept beside each`);
  });

  it('a second run finds nothing left to move and changes nothing', async () => {
    const db = await dbDigest(lab);
    await lab.resetStats();
    const again = await runCli([...runArgs(lab, s, '--method', 'db'), '--yes'], lab.env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain(`0 instance(s) on ${s.failedHost}: 0 to move in the database`);
    expect(await dbDigest(lab)).toEqual(db);
    expect((await lab.stats()).mutatingRequests).toBe(0);
  });

  it('--update-attached-host records the target in the moved instances\' Cinder attachments, rows saved first', async () => {
    const t = await failedNode(lab, { seed: 22, sharedStorage: true });
    const x = t.instances.find((i) => i.kind === 'image-with-volumes')!;
    const run = await runCli([...runArgs(lab, t, '--method', 'db'), '--update-attached-host', '--test-instance', x.uuid, '--yes'], lab.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await expectEndState(lab, t, [x.uuid], { attachedHost: t.targetHost });
    const runDir = /run directory: (\S+)/.exec(run.stdout)![1];
    const rollback = await readFile(path.join(runDir, 'artifacts', 'rollback-update-attached-host-attempt1.sql'), 'utf8');
    expect(rollback).toContain(`\`attached_host\` = '${t.failedHost}'`);
    expect(run.stdout).toContain(`verified: no attachment of the moved instances names ${t.failedHost}`);
    // The other instances' attachments still name the failed host: they were not moved.
    const { cinder } = lab.info.db.schemas;
    const others = await lab.rootQuery<any[]>(`SELECT DISTINCT attached_host FROM \`${cinder}\`.volume_attachment WHERE instance_uuid <> ? AND deleted = 0`, [x.uuid]);
    expect(others.map((r) => r.attached_host)).toEqual([t.failedHost]);
  });
});
