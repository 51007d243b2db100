// `novaops lab faults` and the --fault-* options of `lab up`: read the flags into a fault plan,
// and say what the plan in force is.
import { resolveStateDir } from '../../config/load-config.js';
import { UsageError } from '../../engine/errors.js';
import { DEFAULT_SLOW_MS, FAULT_KINDS, labFaults, parseFaultKinds, type FaultSpec, type LabFaultsState } from '../../lab/index.js';

export interface FaultFlags {
  rate?: string;
  seed?: string;
  kinds?: string;
  slowMs?: string;
}

/** undefined when no rate was given (no plan); a UsageError names the bad flag. */
export function faultSpecFromFlags(f: FaultFlags, prefix = '--'): FaultSpec | undefined {
  if (f.rate === undefined) {
    const stray = (['seed', 'kinds', 'slowMs'] as const).find((k) => f[k] !== undefined);
    if (stray) throw new UsageError(`${prefix}${flagName(stray)} needs ${prefix}rate`, `e.g. ${prefix}rate 0.1 ${prefix}seed 7`);
    return undefined;
  }
  const rate = Number(f.rate);
  if (f.rate.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new UsageError(`${prefix}rate: '${f.rate}' is not a number from 0 to 1`, `e.g. ${prefix}rate 0.1 faults one request in ten`);
  }
  const seed = f.seed === undefined ? 1 : Number(f.seed);
  if (!/^\d+$/.test(f.seed ?? '1') || seed > 0xffffffff) throw new UsageError(`${prefix}seed: '${f.seed}' is not a whole number from 0 to 4294967295`);
  let kinds;
  try {
    kinds = parseFaultKinds(f.kinds);
  } catch (e) {
    throw new UsageError(`${prefix}kinds: ${(e as Error).message}`, 'give a comma-separated list, e.g. http-503,db-deadlock');
  }
  const slowMs = f.slowMs === undefined ? DEFAULT_SLOW_MS : Number(f.slowMs);
  if (!/^\d+$/.test(f.slowMs ?? '0') || slowMs > 600_000) throw new UsageError(`${prefix}slow-ms: '${f.slowMs}' is not a whole number of milliseconds up to 600000`);
  return { rate, seed, kinds, slowMs };
}

function flagName(k: 'seed' | 'kinds' | 'slowMs'): string {
  return k === 'slowMs' ? 'slow-ms' : k;
}

export function describeFaults(s: Pick<LabFaultsState, 'faults' | 'injected' | 'dbProxy'>): string {
  if (!s.faults) return 'faults   off';
  const kinds = s.faults.kinds.length === FAULT_KINDS.length ? 'all kinds' : s.faults.kinds.join(',');
  const injected = Object.entries(s.injected)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const noProxy = s.dbProxy || !s.faults.kinds.some((k) => k.startsWith('db-')) ? '' : ' (no database proxy in this lab: db-* kinds fault nothing; lab up --db-proxy)';
  return `faults   rate ${s.faults.rate}, seed ${s.faults.seed}, ${kinds}${noProxy}; injected: ${injected || 'none yet'}`;
}

export async function labFaultsCommand(flags: FaultFlags & { off?: boolean; json?: boolean }): Promise<void> {
  const spec = faultSpecFromFlags(flags);
  if (flags.off && spec) throw new UsageError('--off and --rate together', 'either turn faults off or give a plan');
  let state;
  try {
    state = await labFaults({ stateDir: resolveStateDir(process.env), spec: flags.off ? null : spec });
  } catch (e) {
    throw new UsageError((e as Error).message, 'novaops lab up starts a lab');
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  else process.stdout.write(`${describeFaults(state)}\n`);
}
