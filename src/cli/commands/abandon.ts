// `novaops abandon <run-id>`: give up an unfinished run, explicitly and on the record. Until then
// it blocks new runs of its runbook on its cloud (invariant 15). Its directory, volume map and
// row backups stay as they are: they may be the only record of what the cloud looked like.
import { hostname, userInfo } from 'node:os';
import { configSecrets } from '../../config/types.js';
import { showValue } from '../../values/show-value.js';
import { createEffects } from '../../effects/create-effects.js';
import { UsageError } from '../../engine/errors.js';
import { acquireRunLock } from '../../engine/lock.js';
import { Redactor } from '../../engine/redact.js';
import { describeScope } from '../../engine/run-state.js';
import { checkRunId, RunStore } from '../../engine/run-store.js';
import { abandonRun } from '../../engine/unfinished.js';
import { readOnlyRefusal } from '../../engine/errors.js';
import { openConfig } from '../cloud-session.js';

const MAX_REASON = 500;

export async function abandonCommand(runId: string, flags: { reason?: string }, configPath: string | undefined): Promise<void> {
  checkRunId(runId);
  const reason = flags.reason ?? 'abandoned by the operator (no reason given)';
  if (reason.trim() === '' || reason.length > MAX_REASON || /[\u0000-\u001f]/.test(reason)) {
    throw new UsageError(`--reason ${showValue(reason)} must be one line of 1 to ${MAX_REASON} characters`, 'say in a few words why the run is given up');
  }
  const config = await openConfig(configPath);
  if (config.readOnly) throw readOnlyRefusal(`abandoning run ${runId}`, `novaops transcripts show ${runId}`);
  const store = await RunStore.open(config.stateDir, runId);
  if (store.state.cloud !== config.cloudName) {
    throw new UsageError(`run ${runId} was on cloud "${store.state.cloud}", but the config names cloud "${config.cloudName}"`, `use the config of cloud "${store.state.cloud}"`);
  }
  const operator = process.env.SUDO_USER || userInfo().username;
  const host = hostname();
  const effects = createEffects(config);
  try {
    const lock = await acquireRunLock(effects.sql, config.stateDir, store.state.cloud, { runId, runbook: store.state.runbook, pid: process.pid, operator, host, startedAt: new Date().toISOString() });
    try {
      const was = store.state.status;
      await abandonRun(store, lock, new Redactor(configSecrets(config)), { by: 'novaops abandon', reason, operator, host });
      process.stdout.write(
        `abandoned run ${runId} (${store.state.runbook}, ${describeScope(store.state.scope)}, was ${was}); recorded in ${store.transcriptPath}\n` +
          `its artifacts stay in ${store.artifacts.dir}; a new run of ${store.state.runbook} on cloud "${store.state.cloud}" may start now\n`,
      );
    } finally {
      await lock.release();
    }
  } finally {
    await effects.close();
  }
}
