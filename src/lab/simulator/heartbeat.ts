// nova-compute reports every report_interval (the lab setting reportIntervalMs); the simulator
// does it for every lab host that is not powered off, so /os-services shows them up and a
// powered-off host goes down once service_down_time has passed since its last report. A forced-down
// service still reports (Nova's _report_state does not look at forced_down). A host seen running
// for the first time, or again after being powered off, runs nova-compute's start-up work. Each
// service reports to its own cell's database (through that cell's conductor).
import { existsSync } from 'node:fs';
import { hostPaths } from '../paths.js';
import { computeCells } from './cells.js';
import { computeStarted } from './compute-startup.js';
import type { SimState } from './context.js';

export interface Heartbeat {
  /** Report now (and run start-up work for hosts that just came back); resolves when done. */
  beatNow(): Promise<void>;
  /** Stops reporting; resolves once the report in progress (if any) is done. */
  stop(): Promise<void>;
}

export function startHeartbeat(sim: SimState): Heartbeat {
  const running = new Map<string, boolean>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const beat = async () => {
    const alive = sim.info.hosts.filter((h) => !existsSync(hostPaths(sim.info.dir, h).poweredOff));
    for (const cell of await computeCells(sim)) {
      await sim.db.pool.query(
        `UPDATE ${cell.nova('services')} SET updated_at = UTC_TIMESTAMP(), last_seen_up = UTC_TIMESTAMP(),
           report_count = report_count + 1 WHERE deleted = 0 AND host IN (?)`,
        [[...alive, 'controller']],
      );
    }
    for (const h of alive) {
      if (running.get(h) !== true) await computeStarted(sim, h).catch((e) => console.error(`[simulator] ${h} start-up: ${(e as Error).message}`));
    }
    for (const h of sim.info.hosts) running.set(h, alive.includes(h));
  };
  const beatNow = () => {
    chain = chain.then(() => (stopped ? undefined : beat().catch(() => undefined)));
    return chain;
  };
  const loop = () => {
    if (stopped) return;
    void beatNow().finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, Math.max(50, sim.settings.reportIntervalMs));
      timer.unref();
    });
  };
  loop();
  return {
    beatNow,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      return chain;
    },
  };
}
