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
  ])('refuses %j', (argv) => {
    expect(() => assertShellAllowed(argv)).toThrow(EngineRuleError);
  });
});
