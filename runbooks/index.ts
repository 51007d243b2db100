// The runbook catalogue: what `novaops list` and the argument parser need, without loading any
// runbook's code (start-up time is what an operator waits for at 3 a.m.). Ids are stable:
// transcripts and resumes refer to them.
import type { ArgumentSpec, OptionSpec, Runbook, TestScopeKind } from '../src/engine/runbook.js';

export interface CatalogueEntry {
  id: string;
  title: string;
  summary: string;
  reference: string;
  /** The rehearsal it offers: --test-instance, --test-host (or none). */
  testScope?: TestScopeKind;
  options: OptionSpec[];
  arguments?: ArgumentSpec[];
  load(): Promise<Runbook>;
}

export const catalogue: readonly CatalogueEntry[] = [
  {
    id: 'drp',
    title: 'Recover cloud after disaster (power loss)',
    summary: 'capture the volume map, clean the stale DB state, reboot the instances, reattach the volumes, optionally reboot guests over SSH',
    reference: 'Compute admin guide §5.4.14.4 "Recover cloud after disaster"; "Nova Disaster Recovery Process"',
    testScope: 'instance',
    options: [{ flags: '--ssh-reboot', description: 'step 5: SSH into each instance and run `shutdown -r now` from inside', key: 'sshReboot' }],
    load: async () => (await import('./drp.js')).drp,
  },
];

export function findEntry(id: string): CatalogueEntry | undefined {
  return catalogue.find((r) => r.id === id);
}

export async function loadRunbook(id: string): Promise<Runbook | undefined> {
  return findEntry(id)?.load();
}
