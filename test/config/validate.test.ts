import { describe, expect, it } from 'vitest';
import {
  ValidationError,
  isAddress,
  isHostName,
  isIqn,
  isUuid,
  parseHostName,
  parseIqn,
  parseNumericId,
  parseSessionId,
  parseUuid,
} from '../../src/values/validate.js';

describe('validate', () => {
  it('UUIDs', () => {
    expect(isUuid('6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b')).toBe(true);
    expect(isUuid('6F1C0C52-9F3E-4D0E-8A1B-0C1D2E3F4A5B')).toBe(true);
    expect(isUuid('abc')).toBe(false);
    expect(isUuid("6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b' OR 1=1")).toBe(false);
    expect(parseUuid('6F1C0C52-9F3E-4D0E-8A1B-0C1D2E3F4A5B', 'x')).toBe('6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b');
    expect(() => parseUuid('abc', '--volume')).toThrow(new ValidationError("--volume: 'abc' is not a UUID"));
  });

  it('host names (RFC 1123)', () => {
    for (const ok of ['compute1', 'compute-01.example.com', '1a', 'a']) expect(isHostName(ok)).toBe(true);
    for (const bad of ['-x', 'x-', 'a..b', 'a b', 'a;rm -rf', '', 'x'.repeat(64)]) expect(isHostName(bad)).toBe(false);
    expect(isAddress('192.168.0.1')).toBe(true);
    expect(isAddress('::1')).toBe(true);
    expect(isAddress('-oProxyCommand=x')).toBe(false);
    expect(() => parseHostName('bad host', '--failed-host')).toThrow(/--failed-host: 'bad host' is not a valid host name/);
  });

  it('IQNs', () => {
    expect(isIqn('iqn.2010-10.org.openstack:volume-6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b')).toBe(true);
    expect(isIqn('iqn.2004-04.com.qnap')).toBe(true);
    expect(isIqn('iqn.2010-13.org.openstack:x')).toBe(false);
    expect(isIqn('eui.02004567A425678D')).toBe(false);
    expect(isIqn('iqn.2010-10.org.openstack:vol 1')).toBe(false);
    for (const hostile of [`"'`, ';reboot', '$(reboot)', '`id`', '|true', '\\', '&']) {
      expect(isIqn(`iqn.2010-10.org.openstack:volume-1${hostile}`), hostile).toBe(false);
    }
    expect(isIqn('iqn.2003-01.org.linux-iscsi.storage:sn.1234')).toBe(true);
    expect(isIqn('iqn.1992-08.com.netapp:sn.4082367740:vs.3')).toBe(true);
    expect(() => parseIqn('nope', '--target')).toThrow(ValidationError);
  });

  it('session and numeric ids', () => {
    expect(parseSessionId('3', '-r')).toBe(3);
    expect(parseSessionId(12, '-r')).toBe(12);
    for (const bad of ['0', '-1', '1.5', '', 'all', '1 2']) expect(() => parseSessionId(bad, '--session')).toThrow(/is not an iSCSI session id/);
    expect(parseNumericId('0', 'id')).toBe(0);
    expect(parseNumericId('42', 'id')).toBe(42);
    expect(() => parseNumericId('4e2', 'id')).toThrow(/is not a numeric id/);
  });

  it('echo a bad value cut to about 100 characters, never whole', () => {
    const long = 'x'.repeat(10_000);
    for (const parse of [parseUuid, parseHostName, parseIqn, parseSessionId]) {
      let message = '';
      try {
        parse(long, '--arg');
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/^--arg: 'x{100}…' \(10000 characters\) is not/);
      expect(message.length).toBeLessThan(250);
    }
    // Control characters are shown escaped, not sent to the terminal.
    expect(() => parseHostName('a\u001b[2Jb', '--host')).toThrow("--host: 'a\\x1b[2Jb' is not a valid host name");
  });
});
