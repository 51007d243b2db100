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
