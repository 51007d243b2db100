// `novaops lab faults`: change the running simulator's fault plan through its control endpoint and
// keep it in lab.json, so a restarted simulator starts with the same plan.
import type { FaultSpec } from './faults/plan.js';
import { readLabInfo, writeLabInfo } from './lab-info-file.js';

export interface LabFaultsState {
  faults: FaultSpec | null;
  /** Faults injected so far, by kind. */
  injected: Record<string, number>;
  /** False when novaops reaches MariaDB directly: database kinds then fault nothing it does. */
  dbProxy: boolean;
}

/** spec: a new plan; null: faults off; undefined: only read the plan in force. */
export async function labFaults(opts: { stateDir: string; spec?: FaultSpec | null }): Promise<LabFaultsState> {
  const info = await readLabInfo({ stateDir: opts.stateDir });
  const url = `${info.api.url}/_lab/faults`;
  const init: RequestInit =
    opts.spec === undefined
      ? { method: 'GET' }
      : opts.spec === null
        ? { method: 'DELETE' }
        : { method: 'POST', body: JSON.stringify(opts.spec), headers: { 'content-type': 'application/json' } };
  let r: Response;
  try {
    r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new Error(`the lab's API simulator is not answering on ${info.api.url} (${(e as Error).message}); novaops lab status tells more`);
  }
  const body = (await r.json()) as { faults: FaultSpec | null; injected: Record<string, number>; computeFault?: { message: string } };
  if (!r.ok) throw new Error(body.computeFault?.message ?? `HTTP ${r.status}`);
  if (opts.spec !== undefined) {
    if (opts.spec) info.faults = opts.spec;
    else delete info.faults;
    await writeLabInfo(info);
  }
  return { faults: body.faults, injected: body.injected, dbProxy: info.db.proxyPort !== undefined };
}
