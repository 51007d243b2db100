// `novaops lab scenario uid-mismatch`: compute hosts whose nova and libvirt ids differ (uid-gid's
// starting point). Host files only: the databases and the API stay as they are. The work is in uid-mismatch.ts.
import { defineScenario, SEED } from './scenario.js';
import type { UidMismatchOptions, UidMismatchSummary } from './uid-mismatch.js';

export const uidMismatch = defineScenario<'uid-mismatch', UidMismatchOptions, UidMismatchSummary>({
  name: 'uid-mismatch',
  summary: 'nova and libvirt UIDs/GIDs differ between the hosts',
  options: [{ flags: '--files <n>', key: 'files', description: 'files per host owned by the old ids', kind: 'count', min: 0, default: '1000' }, SEED],
  async apply(lab, options) {
    const { applyUidMismatch } = await import('./uid-mismatch.js');
    return applyUidMismatch(lab.info, options);
  },
});
