// Secrets come from crypto; scenario data comes from a seeded generator so a seed always
// rebuilds the same cloud (tests compare against scenario.json).
import { randomBytes, randomUUID } from 'node:crypto';

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Password without characters that need escaping in a URL, an ini file or YAML. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
}

export function newUuid(): string {
  return randomUUID();
}

export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  uuid(): string;
  hex(len: number): string;
}

/** mulberry32: tiny, fast and good enough for picking scenario shapes. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (len: number) => {
    let s = '';
    while (s.length < len) s += Math.floor(next() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, len);
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    hex,
    uuid: () => {
      const h = hex(32);
      const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}
