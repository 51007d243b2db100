// The simulator's hold on the fault plan: set and cleared at runtime through /_lab/faults, read
// by the request handler and the database proxy, mirrored to the file the host commands read.
import { clearHostFaultLog, hostFaultCounts, writeHostFaultPlan } from '../faults/host-plan.js';
import { DB_FAULT_KINDS, FaultPlan, type DbFaultKind, type FaultDraw, type FaultKind, type FaultSpec, type HttpFaultKind } from '../faults/plan.js';
import type { Stats } from './stats.js';

export interface HttpRequestFacts {
  /** Non-GET Compute, Volume or Placement request: it can be applied and its answer lost. */
  mutating: boolean;
  /** The request carries a token the simulator knows: it can expire. */
  validToken: boolean;
}

export class LabFaults {
  private plan: FaultPlan | undefined;

  constructor(
    private readonly labDirectory: string,
    private readonly stats: Stats,
  ) {}

  get spec(): FaultSpec | undefined {
    return this.plan?.spec;
  }

  /** A new plan starts every stream from its seed again; undefined turns faults off. */
  async set(spec: FaultSpec | undefined): Promise<void> {
    this.plan = spec && spec.rate > 0 ? new FaultPlan(spec) : undefined;
    await writeHostFaultPlan(this.labDirectory, this.plan);
  }

  drawHttp(facts: HttpRequestFacts): FaultDraw<HttpFaultKind> | undefined {
    return this.plan?.draw('http', (k): k is HttpFaultKind => {
      if (k === 'applied-lost') return facts.mutating;
      if (k === 'token-expired') return facts.validToken;
      return true;
    });
  }

  drawDb(): DbFaultKind | undefined {
    return this.plan?.draw('db', (k): k is DbFaultKind => (DB_FAULT_KINDS as readonly string[]).includes(k))?.kind;
  }

  injected(kind: FaultKind | string): void {
    this.stats.fault(kind);
  }

  /** Starts the host commands' count of injected faults again (with the stats reset). */
  async resetCounts(): Promise<void> {
    await clearHostFaultLog(this.labDirectory);
  }

  /** Faults injected so far by kind: the simulator's own and those the host commands logged. */
  async injectedCounts(): Promise<Record<string, number>> {
    const counts = { ...this.stats.snapshot().faultsInjected };
    for (const [k, n] of Object.entries(await hostFaultCounts(this.labDirectory))) counts[k] = (counts[k] ?? 0) + n;
    return counts;
  }
}
