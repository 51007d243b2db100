// The simulator's side of a host's iSCSI session table (the fake iscsiadm is the other side).
// Writes are temp+rename so the bash script never reads half a file; writes per host are
// queued and coalesced, because a bench completes thousands of attaches at once.
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { hostPaths } from './paths.js';
import { IQN_PREFIX, ISCSI_PORTAL } from './types.js';

export function sessionLine(sid: number, iqn: string): string {
  return `tcp: [${sid}] ${ISCSI_PORTAL},1 ${iqn} (non-flash)`;
}

export function volumeIqn(volumeName: string): string {
  return `${IQN_PREFIX}${volumeName}`;
}

export async function writeSessionTable(labDirectory: string, host: string, iqns: string[], firstSid = 1): Promise<number[]> {
  const hp = hostPaths(labDirectory, host);
  await mkdir(hp.iscsiDir, { recursive: true });
  const sids = iqns.map((_, i) => firstSid + i);
  const text = iqns.map((iqn, i) => sessionLine(sids[i], iqn) + '\n').join('');
  await atomicWrite(hp.sessions, text);
  await atomicWrite(hp.nextSid, `${firstSid + iqns.length}\n`);
  return sids;
}

export async function readSessionLines(labDirectory: string, host: string): Promise<string[]> {
  const text = await readFile(hostPaths(labDirectory, host).sessions, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.length > 0);
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp.${process.pid}.${Math.random().toString(16).slice(2)}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Appends login sessions (and removes logged-out ones) for one host; concurrent callers are batched into one rewrite. */
export class SessionAppender {
  private pending = new Map<string, { ops: { iqn: string; add: boolean }[]; waiters: (() => void)[] }>();
  private running = new Set<string>();

  constructor(private readonly labDirectory: string) {}

  add(host: string, iqn: string): Promise<void> {
    return this.queue(host, [{ iqn, add: true }]);
  }

  /** A logout (os-brick disconnect_volume) of every session to these targets on the host. */
  remove(host: string, iqns: string[]): Promise<void> {
    return iqns.length === 0 ? Promise.resolve() : this.queue(host, iqns.map((iqn) => ({ iqn, add: false })));
  }

  private queue(host: string, ops: { iqn: string; add: boolean }[]): Promise<void> {
    return new Promise((resolve) => {
      let p = this.pending.get(host);
      if (!p) this.pending.set(host, (p = { ops: [], waiters: [] }));
      p.ops.push(...ops);
      p.waiters.push(resolve);
      void this.flush(host);
    });
  }

  private async flush(host: string): Promise<void> {
    if (this.running.has(host)) return;
    this.running.add(host);
    try {
      for (;;) {
        const batch = this.pending.get(host);
        if (!batch) break;
        this.pending.delete(host);
        await this.apply(host, batch.ops).catch(() => undefined);
        batch.waiters.forEach((w) => w());
      }
    } finally {
      this.running.delete(host);
    }
  }

  private async apply(host: string, ops: { iqn: string; add: boolean }[]): Promise<void> {
    const hp = hostPaths(this.labDirectory, host);
    await mkdir(hp.iscsiDir, { recursive: true });
    const existing = await readFile(hp.sessions, 'utf8').catch(() => '');
    const nextText = await readFile(hp.nextSid, 'utf8').catch(() => '');
    let sid = Number.parseInt(nextText, 10);
    if (!Number.isFinite(sid)) sid = 1;
    let lines = existing.split('\n').filter((l) => l.length > 0);
    const present = new Set(lines.map((l) => l.split(' ')[3]));
    for (const op of ops) {
      if (op.add) {
        // One session per target, as a real initiator keeps it.
        if (present.has(op.iqn)) continue;
        present.add(op.iqn);
        lines.push(sessionLine(sid++, op.iqn));
      } else if (present.has(op.iqn)) {
        present.delete(op.iqn);
        lines = lines.filter((l) => l.split(' ')[3] !== op.iqn);
      }
    }
    await atomicWrite(hp.sessions, lines.map((l) => l + '\n').join(''));
    await atomicWrite(hp.nextSid, `${sid}\n`);
  }
}
