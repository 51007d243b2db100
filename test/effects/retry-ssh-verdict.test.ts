// Which ssh failures the retry policy treats as a dropped connection: a read is run once more on
// a new master, a mutating command is a lost answer; failures before any connection are final.
import { describe, expect, it } from 'vitest';
import { sshVerdict } from '../../src/effects/retry-policy.js';

describe('retry policy: ssh', () => {
  const dropped = 'client_loop: send disconnect: Broken pipe\n';
  it('runs a read again, and calls a mutating command a lost answer, when the connection dropped (exit 255)', () => {
    expect(sshVerdict(false, 255, dropped)).toBe('retry');
    expect(sshVerdict(true, 255, dropped)).toBe('lost-answer');
    expect(sshVerdict(true, 255, 'Connection to 10.0.0.5 closed by remote host.\n')).toBe('lost-answer');
    expect(sshVerdict(false, 255, 'mux_client_read_packet: read header failed: Broken pipe\n')).toBe('retry');
  });
  it('never retries what failed before a connection, or the command\'s own exit', () => {
    expect(sshVerdict(false, 255, 'ssh: connect to host 10.0.0.5 port 22: Connection refused\n')).toBe('final');
    expect(sshVerdict(true, 255, 'Host key verification failed.\n')).toBe('final');
    expect(sshVerdict(true, 1, dropped)).toBe('final');
  });
});
