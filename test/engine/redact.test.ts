import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/engine/redact.js';

describe('Redactor', () => {
  it('masks each secret in plain, URL-encoded and JSON-escaped form', () => {
    const secret = 'p@ss"w/rd';
    const r = new Redactor([secret]);
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify({ s: secret })}`;
    const out = r.redact(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain('p@ss\\"w/rd');
    expect(out.match(/\*\*\*/g)?.length).toBe(3);
  });

  it('leaves text without secrets alone and ignores trivially short secrets', () => {
    const r = new Redactor(['', 'ab', 'longsecret']);
    expect(r.redact('about abc')).toBe('about abc');
  });
});

describe('Redactor: secret fields of any JSON it sees', () => {
  it('masks CHAP and password fields, also in JSON nested in a JSON string, and nothing else', () => {
    const r = new Redactor([]);
    const conn = { driver_volume_type: 'iscsi', data: { auth_method: 'CHAP', auth_username: 'u1', auth_password: 'CHAP-s3cr3t"x' } };
    const plain = JSON.stringify(conn);
    const nested = JSON.stringify({ type: 'op.output', chunk: plain });
    for (const text of [plain, nested]) {
      const out = r.redact(text);
      expect(out).not.toContain('CHAP-s3cr3t');
      expect(out).toContain('auth_username');
      expect(out).toContain('u1');
    }
    expect(JSON.parse(r.redact(plain)).data.auth_password).toBe('***');
    expect(JSON.parse(JSON.parse(r.redact(nested)).chunk).data.auth_password).toBe('***');
    expect(r.redact('{"passwordless": true, "tokens": 3}')).toBe('{"passwordless": true, "tokens": 3}');
  });
});
