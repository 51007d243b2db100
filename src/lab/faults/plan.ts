// The lab's fault plan: which failures the lab injects, how often, and from which seed. One plan
// serves three channels (API requests, database statements, host commands), each with its own
// seeded stream, so the faults a run meets depend only on the seed and the order of its requests,
// statements and commands — a failing campaign can be replayed.
import { seededRng, type Rng } from '../random.js';

export const HTTP_FAULT_KINDS = [
  'http-503',
  'http-503-retry-after',
  'http-500',
  'http-504',
  'reset',
  'no-answer',
  'slow',
  'token-expired',
  'applied-lost',
] as const;
export const DB_FAULT_KINDS = ['db-kill', 'db-lock-wait', 'db-deadlock', 'db-gone'] as const;
export const HOST_FAULT_KINDS = ['host-drop', 'host-hang'] as const;
export const FAULT_KINDS = [...HTTP_FAULT_KINDS, ...DB_FAULT_KINDS, ...HOST_FAULT_KINDS] as const;

export type HttpFaultKind = (typeof HTTP_FAULT_KINDS)[number];
export type DbFaultKind = (typeof DB_FAULT_KINDS)[number];
export type HostFaultKind = (typeof HOST_FAULT_KINDS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultChannel = 'http' | 'db' | 'host';

export interface FaultSpec {
  /** Chance (0..1) that one request, statement or command is faulted. */
  rate: number;
  seed: number;
  kinds: FaultKind[];
  /** How long a `slow` response is held back. */
  slowMs: number;
}

export const DEFAULT_SLOW_MS = 3000;

const CHANNEL_KINDS: Record<FaultChannel, readonly FaultKind[]> = {
  http: HTTP_FAULT_KINDS,
  db: DB_FAULT_KINDS,
  host: HOST_FAULT_KINDS,
};

/** Offsets keep the three streams apart: the same seed must not fault the same positions everywhere. */
const CHANNEL_SALT: Record<FaultChannel, number> = { http: 0, db: 0x5bd1e995, host: 0x27d4eb2d };

export function isFaultKind(k: string): k is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(k);
}

/** `--kinds http-503,db-deadlock`: every name must be a known kind; empty or absent means all. */
export function parseFaultKinds(text: string | undefined): FaultKind[] {
  if (text === undefined || text.trim() === '' || text.trim() === 'all') return [...FAULT_KINDS];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isFaultKind(n));
  if (unknown.length > 0) throw new Error(`unknown fault kind ${unknown.map((u) => `'${u}'`).join(', ')}; kinds: ${FAULT_KINDS.join(', ')}`);
  return [...new Set(names)] as FaultKind[];
}

/** Checks a spec from the command line or the control endpoint; the message names the bad field. */
export function validateFaultSpec(raw: unknown): FaultSpec {
  const o = (raw ?? {}) as Record<string, unknown>;
  const rate = o.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new Error(`rate: '${String(rate)}' is not a number from 0 to 1`);
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed: '${String(seed)}' is not a whole number from 0 to 4294967295`);
  }
  const kinds = o.kinds === undefined ? [...FAULT_KINDS] : o.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => typeof k === 'string' && isFaultKind(k))) {
    throw new Error(`kinds: expected a non-empty list of ${FAULT_KINDS.join(', ')}`);
  }
  const slowMs = o.slowMs === undefined ? DEFAULT_SLOW_MS : o.slowMs;
  if (typeof slowMs !== 'number' || !Number.isInteger(slowMs) || slowMs < 0 || slowMs > 600_000) {
    throw new Error(`slowMs: '${String(slowMs)}' is not a whole number of milliseconds up to 600000`);
  }
  const extra = Object.keys(o).filter((k) => !['rate', 'seed', 'kinds', 'slowMs'].includes(k));
  if (extra.length > 0) throw new Error(`unknown field ${extra.join(', ')}; fields: rate, seed, kinds, slowMs`);
  return { rate, seed, kinds: [...new Set(kinds as FaultKind[])], slowMs };
}

export interface FaultDraw<K extends FaultKind = FaultKind> {
  kind: K;
  /** A second seeded number (0..1) for the kind's own choice, e.g. how an applied answer is lost. */
  variant: number;
}

export class FaultPlan {
  private readonly rngs: Record<FaultChannel, Rng>;

  constructor(readonly spec: FaultSpec) {
    this.rngs = {
      http: seededRng(spec.seed ^ CHANNEL_SALT.http),
      db: seededRng(spec.seed ^ CHANNEL_SALT.db),
      host: seededRng(spec.seed ^ CHANNEL_SALT.host),
    };
  }

  /** The channel's kinds this plan enables. */
  kindsFor(channel: FaultChannel): FaultKind[] {
    return this.spec.kinds.filter((k) => CHANNEL_KINDS[channel].includes(k));
  }

  /**
   * One request, statement or command: a fault or none. Always takes three numbers from the
   * channel's stream, whatever the answer, so one call's position alone decides its fate.
   * `applicable` narrows the kinds to those that make sense for this one (a GET cannot lose an
   * applied change, a request without a token cannot have it expire).
   */
  draw<K extends FaultKind>(channel: FaultChannel, applicable: (k: FaultKind) => k is K): FaultDraw<K> | undefined;
  draw(channel: FaultChannel, applicable?: (k: FaultKind) => boolean): FaultDraw | undefined;
  draw(channel: FaultChannel, applicable: (k: FaultKind) => boolean = () => true): FaultDraw | undefined {
    const rng = this.rngs[channel];
    const hit = rng.next();
    const pick = rng.next();
    const variant = rng.next();
    const kinds = this.kindsFor(channel).filter(applicable);
    if (kinds.length === 0 || hit >= this.spec.rate) return undefined;
    return { kind: kinds[Math.floor(pick * kinds.length)], variant };
  }
}
