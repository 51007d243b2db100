// `novaops lab scenario stuck-instance`: instances stuck in a task_state (reset-state's starting point). The work is in stuck-instance.ts.
import type { StuckInstanceOptions, StuckInstanceSummary } from './stuck-instance.js';
import { defineScenario, INSTANCES, SEED, VOLUMES } from './scenario.js';

export const stuckInstance = defineScenario<'stuck-instance', StuckInstanceOptions, StuckInstanceSummary>({
  name: 'stuck-instance',
  summary: 'instances stuck deleting, rebooting or migrating',
  options: [INSTANCES, VOLUMES, SEED],
  async apply(lab, options) {
    const { applyStuckInstance } = await import('./stuck-instance.js');
    return applyStuckInstance(lab.info, await lab.db(), options, lab.cells);
  },
});
