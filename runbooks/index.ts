// The runbook catalogue. Ids are stable: transcripts and resumes refer to them.
import type { Runbook } from '../src/engine/runbook.js';
import { drp } from './drp.js';

export const runbooks: readonly Runbook[] = [drp];

export function findRunbook(id: string): Runbook | undefined {
  return runbooks.find((r) => r.id === id);
}
