// Request counters for tests and the bench: how often each call shape was made, and how many
// reboots / attaches each server / volume received (to prove "once only"). Requests are also
// counted by User-Agent (novaops sends `novaops/<version> (pid <pid>)`), so a test can tell which
// process sent what: a refused run must have sent no mutating request of its own.
export interface StatsSnapshot {
  requests: Record<string, number>;
  mutatingRequests: number;
  /** Every request (Keystone's included), by User-Agent header ('' when none was sent). */
  requestsByUserAgent: Record<string, number>;
  /** Mutating requests (what mutatingRequests counts: non-GET Nova and Cinder calls), by User-Agent. */
  mutatingByUserAgent: Record<string, number>;
  rebootsByServer: Record<string, number>;
  attachesByVolume: Record<string, number>;
  /** Evacuate requests per server, accepted or refused (to prove "once only"). */
  evacuationsByServer: Record<string, number>;
  /** DELETE /servers/{id} requests per server. */
  deletesByServer: Record<string, number>;
  /** Compute and Volume requests: the simulator's own handling time in ms, summed by call shape (the latency setting excluded). */
  handlingMs: Record<string, number>;
  /**
   * Changes the simulator applied (a 2xx answer computed, whether or not the client received it),
   * per server and action (reboot, os-stop, os-start, os-resetState, evacuate, delete, attach...),
   * so a test can prove each change happened once: not lost, not duplicated by a retry.
   */
  appliedByServer: Record<string, Record<string, number>>;
  /** Per volume: attachments created. */
  appliedByVolume: Record<string, Record<string, number>>;
  /** Faults injected by the API simulator and the database proxy, by kind. */
  faultsInjected: Record<string, number>;
}

export class Stats {
  private s: StatsSnapshot = Stats.empty();

  static empty(): StatsSnapshot {
    return {
      requests: {},
      mutatingRequests: 0,
      requestsByUserAgent: {},
      mutatingByUserAgent: {},
      rebootsByServer: {},
      attachesByVolume: {},
      evacuationsByServer: {},
      deletesByServer: {},
      handlingMs: {},
      appliedByServer: {},
      appliedByVolume: {},
      faultsInjected: {},
    };
  }

  request(key: string, mutating: boolean, userAgent = ''): void {
    this.s.requests[key] = (this.s.requests[key] ?? 0) + 1;
    this.s.requestsByUserAgent[userAgent] = (this.s.requestsByUserAgent[userAgent] ?? 0) + 1;
    if (mutating) {
      this.s.mutatingRequests++;
      this.s.mutatingByUserAgent[userAgent] = (this.s.mutatingByUserAgent[userAgent] ?? 0) + 1;
    }
  }

  handled(key: string, ms: number): void {
    this.s.handlingMs[key] = (this.s.handlingMs[key] ?? 0) + ms;
  }

  reboot(serverId: string): void {
    this.s.rebootsByServer[serverId] = (this.s.rebootsByServer[serverId] ?? 0) + 1;
  }

  attach(volumeId: string): void {
    this.s.attachesByVolume[volumeId] = (this.s.attachesByVolume[volumeId] ?? 0) + 1;
  }

  evacuate(serverId: string): void {
    this.s.evacuationsByServer[serverId] = (this.s.evacuationsByServer[serverId] ?? 0) + 1;
  }

  delete(serverId: string): void {
    this.s.deletesByServer[serverId] = (this.s.deletesByServer[serverId] ?? 0) + 1;
  }

  applied(kind: 'server' | 'volume', id: string, action: string): void {
    const table = kind === 'server' ? this.s.appliedByServer : this.s.appliedByVolume;
    const row = (table[id] ??= {});
    row[action] = (row[action] ?? 0) + 1;
  }

  fault(kind: string): void {
    this.s.faultsInjected[kind] = (this.s.faultsInjected[kind] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = Stats.empty();
  }
}
