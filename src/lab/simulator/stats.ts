// Request counters for tests and the bench: how often each call shape was made, and how many
// reboots / attaches each server / volume received (to prove "once only").
export interface StatsSnapshot {
  requests: Record<string, number>;
  mutatingRequests: number;
  rebootsByServer: Record<string, number>;
  attachesByVolume: Record<string, number>;
}

export class Stats {
  private s: StatsSnapshot = Stats.empty();

  static empty(): StatsSnapshot {
    return { requests: {}, mutatingRequests: 0, rebootsByServer: {}, attachesByVolume: {} };
  }

  request(key: string, mutating: boolean): void {
    this.s.requests[key] = (this.s.requests[key] ?? 0) + 1;
    if (mutating) this.s.mutatingRequests++;
  }

  reboot(serverId: string): void {
    this.s.rebootsByServer[serverId] = (this.s.rebootsByServer[serverId] ?? 0) + 1;
  }

  attach(volumeId: string): void {
    this.s.attachesByVolume[volumeId] = (this.s.attachesByVolume[volumeId] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = Stats.empty();
  }
}
