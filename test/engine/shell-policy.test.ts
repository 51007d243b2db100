// Invariant 9: an iscsiadm logout must name exactly one session, whoever builds the command.
import { describe, expect, it } from 'vitest';
import { EngineRuleError } from '../../src/engine/errors.js';
import { assertShellAllowed } from '../../src/engine/shell-policy.js';

describe('iscsiadm logout policy', () => {
  it('allows a logout of one named session and read-only commands', () => {
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'session', '-u', '-r', '15'])).not.toThrow();
    expect(() => assertShellAllowed(['/usr/sbin/iscsiadm', '-m', 'session', '-r', '3', '--logout'])).not.toThrow();
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'session', '--sid=7', '-u'])).not.toThrow();
    expect(() => assertShellAllowed(['iscsiadm', '-m', 'session'])).not.toThrow();
    expect(() => assertShellAllowed(['ls', '-u'])).not.toThrow();
  });

  it.each([
    [['iscsiadm', '-m', 'session', '-u']],
    [['iscsiadm', '-m', 'node', '--logout']],
    [['iscsiadm', '-m', 'session', '-u', '-r']],
    [['iscsiadm', '-m', 'session', '-u', '-r', 'all']],
    [['iscsiadm', '-m', 'session', '-u', '-r', '1', '-r', '2']],
    [['iscsiadm', '-m', 'node', '--logoutall=all']],
    [['/sbin/iscsiadm', '-m', 'session', '-u', '-r', '0']],
    // Wrapped: a script, env, timeout or sudo in front does not hide the logout.
    [['sh', '-c', '"$0" "$@"', 'iscsiadm', '-m', 'session', '-u']],
    [['sh', '-c', 'iscsiadm -m session -u']],
    [['/bin/sh', '-c', 'x', '/usr/sbin/iscsiadm', '-m', 'node', '--logout']],
    [['env', 'LANG=C', 'iscsiadm', '-m', 'session', '-u']],
    [['timeout', '10', 'sudo', 'iscsiadm', '-m', 'node', '--logoutall=all']],
    // One named logout does not cover a second, unnamed one in the same script.
    [['sh', '-c', 'iscsiadm -m session -r 3 -u; iscsiadm -m session -u']],
  ])('refuses %j', (argv) => {
    expect(() => assertShellAllowed(argv)).toThrow(EngineRuleError);
  });

  it('allows wrapped commands that name one session, or do not log out', () => {
    expect(() => assertShellAllowed(['sh', '-c', '"$0" "$@"', 'iscsiadm', '-m', 'session', '-r', '4', '-u'])).not.toThrow();
    expect(() => assertShellAllowed(['sh', '-c', 'iscsiadm -m discovery -t st -p 10.0.0.5 && iscsiadm -m node -l'])).not.toThrow();
    expect(() => assertShellAllowed(['sh', '-c', 'iscsiadm -m session -r 3 -u; iscsiadm -m session -r 4 -u'])).not.toThrow();
    // A -u of another command after the iscsiadm one is not a logout.
    expect(() => assertShellAllowed(['sh', '-c', 'iscsiadm -m session; usermod -u 112 nova'])).not.toThrow();
  });
});
