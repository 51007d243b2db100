// A host command that hangs ends at its operation's timeout (killed, exit 124), and a read that
// hung is run once more: it changed nothing, and a guard that cannot read a host holds its items
// back for good. A mutating command that hung is never run again by the effect (it may have run).
// The host tool is a real script that hangs on its first call and answers on the second.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHostsEffect } from '../../src/effects/hosts/create-hosts-effect.js';
import type { RetryNotice } from '../../src/effects/retry-policy.js';

let dir: string;
const calls = () => readFile(path.join(dir, 'calls'), 'utf8').then((t) => t.split('\n').filter(Boolean).length, () => 0);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-host-hang-'));
  // First call: counted, then sleeps far past any timeout below; later calls answer at once.
  await writeFile(
    path.join(dir, 'hang-once'),
    `#!/bin/sh\necho call >> "${dir}/calls"\nif [ "$(wc -l < "${dir}/calls")" -eq 1 ]; then exec sleep 300; fi\necho "tcp: [7] 10.0.0.5:3260,1 iqn.x (non-flash)"\n`,
  );
  await chmod(path.join(dir, 'hang-once'), 0o755);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const fresh = async () => rm(path.join(dir, 'calls'), { force: true });

it('a hung read ends at its timeout and is run once more, which answers', async () => {
  await fresh();
  const hosts = createHostsEffect({ h: { via: 'local', pathPrepend: [dir], env: {} } });
  const notices: RetryNotice[] = [];
  const started = Date.now();
  const r = await hosts.run('h', ['hang-once'], { timeoutMs: 1_500, mutating: false, observe: (n) => notices.push(n) });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('tcp: [7]');
  expect(await calls()).toBe(2);
  expect(notices).toMatchObject([{ attempt: 2, failure: expect.stringContaining('the command hung (novaops: killed after 1500 ms)') }]);
  // Bounded: the hang cost its timeout, not the script's 300 s.
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);

it('a hung mutating command ends at its timeout, exit 124, and is not run again', async () => {
  await fresh();
  const hosts = createHostsEffect({ h: { via: 'local', pathPrepend: [dir], env: {} } });
  const notices: RetryNotice[] = [];
  const r = await hosts.run('h', ['hang-once'], { timeoutMs: 1_500, mutating: true, observe: (n) => notices.push(n) });
  expect(r.exitCode).toBe(124);
  expect(r.stderr).toContain('novaops: killed after 1500 ms');
  expect(await calls()).toBe(1);
  expect(notices).toEqual([]);
}, 90_000);
