// Pending state transitions (reboots, attaches finishing). Kept in one place so close() can
// cancel them and tests never see writes after the lab is gone.
export class Timers {
  private handles = new Set<NodeJS.Timeout>();
  private closed = false;

  after(ms: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    const h = setTimeout(() => {
      this.handles.delete(h);
      if (this.closed) return;
      fn().catch((e) => console.error(`[simulator] pending transition failed: ${(e as Error).message}`));
    }, ms);
    this.handles.add(h);
  }

  get pending(): number {
    return this.handles.size;
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles) clearTimeout(h);
    this.handles.clear();
  }
}
