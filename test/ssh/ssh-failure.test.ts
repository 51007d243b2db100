// doctor's reading of ssh's own failures, on what OpenSSH 9 prints. The cases a loopback sshd can
// produce are also run for real in discovered-hosts.test.ts; a timeout needs a host that drops
// packets, so it is checked here on the words ssh and novaops' own timeout use.
import { describe, expect, it } from 'vitest';
import { classifySshFailure } from '../../src/effects/hosts/ssh-failure.js';

const target = { address: '10.0.0.7', port: 22, user: 'root', knownHostsFile: '/etc/novaops/known_hosts' };

describe('classifySshFailure', () => {
  it('names a timeout, whether ssh or novaops gave up', () => {
    expect(classifySshFailure(255, 'ssh: connect to host 10.0.0.7 port 22: Connection timed out\n', target)?.kind).toBe('timeout');
    expect(classifySshFailure(124, 'novaops: killed after 15000 ms\n', target)).toMatchObject({ kind: 'timeout', detail: 'novaops: killed after 15000 ms' });
  });
  it('tells ssh failures from the remote command failing', () => {
    expect(classifySshFailure(21, 'iscsiadm: No active sessions.\n', target)).toBeUndefined();
    expect(classifySshFailure(1, 'Permission denied\n', target)).toBeUndefined();
    expect(classifySshFailure(255, 'Could not resolve hostname compute7: Name or service not known\n', { ...target, address: 'compute7' })?.kind).toBe('name not resolved');
    expect(classifySshFailure(255, 'ssh: connect to host 10.0.0.7 port 22: No route to host\n', target)?.kind).toBe('no route');
  });
  it('names the known_hosts entry on port 22 without brackets', () => {
    const f = classifySshFailure(255, 'No ED25519 host key is known for 10.0.0.7 and you have requested strict checking.\nHost key verification failed.\n', target);
    expect(f).toMatchObject({ kind: 'unknown host key', detail: 'No ED25519 host key is known for 10.0.0.7 and you have requested strict checking.' });
    expect(f!.fix).toContain('/etc/novaops/known_hosts has no key for 10.0.0.7:');
  });
});
