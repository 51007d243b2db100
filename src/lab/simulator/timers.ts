// Pending state transitions (reboots, attaches finishing). Kept in one place so close() can
// cancel them and tests never see writes after the lab is gone.
export class Timers {
  private handles = new Map<NodeJS.Timeout, () => Promise<void>>();
  private closed = false;

  after(ms: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    const h = setTimeout(() => {
      this.handles.delete(h);
      if (this.closed) return;
      fn().catch((e) => console.error(`[simulator] pending transition failed: ${(e as Error).message}`));
    }, ms);
    this.handles.set(h, fn);
  }

  /** Runs every pending transition now: an API that stops while the hosts finish their work. */
  async finishAll(): Promise<void> {
    const pending = [...this.handles.entries()];
    this.handles.clear();
    for (const [h] of pending) clearTimeout(h);
    await Promise.all(pending.map(([, fn]) => fn().catch(() => undefined)));
  }

  get pending(): number {
    return this.handles.size;
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles.keys()) clearTimeout(h);
    this.handles.clear();
  }
}
