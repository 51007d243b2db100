// `novaops lab scenario power-loss`: every compute node lost power (drp's starting point). The work is in power-loss.ts.
import type { PowerLossOptions } from './power-loss-plan.js';
import type { PowerLossSummary } from './power-loss.js';
import { defineScenario, INSTANCES, SEED, VOLUMES } from './scenario.js';

export const powerLoss = defineScenario<'power-loss', PowerLossOptions, PowerLossSummary>({
  name: 'power-loss',
  summary: 'every compute node lost power, volumes still marked attached',
  options: [INSTANCES, VOLUMES, { flags: '--live-session', key: 'liveSession', description: 'leave one mapped volume with a live iSCSI session', kind: 'switch' }, SEED],
  async apply(lab, options) {
    const { applyPowerLoss } = await import('./power-loss.js');
    return applyPowerLoss(lab.info, await lab.db(), options, lab.cells);
  },
});
