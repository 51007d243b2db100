// nova-compute reports every report_interval (10 s); the simulator does it for every lab host
// that is not powered off, so /os-services shows them up (and a powered-off host goes down).
import { existsSync } from 'node:fs';
import { hostPaths } from '../paths.js';
import type { SimState } from './context.js';

const REPORT_INTERVAL_MS = 10_000;

export function startHeartbeat(sim: SimState): () => void {
  const beat = async () => {
    const alive = sim.info.hosts.filter((h) => !existsSync(hostPaths(sim.info.dir, h).poweredOff));
    const controllers = ['controller'];
    await sim.db.pool.query(
      `UPDATE ${sim.db.nova('services')} SET updated_at = UTC_TIMESTAMP(), last_seen_up = UTC_TIMESTAMP(),
         report_count = report_count + 1 WHERE deleted = 0 AND forced_down = 0 AND host IN (?)`,
      [[...alive, ...controllers]],
    );
  };
  const run = () => beat().catch(() => undefined);
  void run();
  const h = setInterval(run, REPORT_INTERVAL_MS);
  h.unref();
  return () => clearInterval(h);
}
