// The runbook catalogue: one line per runbook, its declaration (runbooks/<id>/manifest.ts) and where
// its steps are. `novaops list`, the argument parser, shell completion and the session's home read
// it without loading any runbook's code (start-up time is what an operator waits for at 3 a.m.).
// Ids are stable: transcripts and resumes refer to them.
import { catalogueEntry } from '../src/engine/catalogue.js';
import type { CatalogueEntry, Runbook } from '../src/engine/runbook.js';
import { drpManifest } from './drp/manifest.js';
import { resetStateManifest } from './reset-state/manifest.js';
import { failedNodeManifest } from './failed-node/manifest.js';
import { iscsiCleanupManifest } from './iscsi-cleanup/manifest.js';
import { uidGidManifest } from './uid-gid/manifest.js';

export type { CatalogueEntry } from '../src/engine/runbook.js';

export const catalogue: readonly CatalogueEntry[] = [
  catalogueEntry(drpManifest, () => import('./drp/runbook.js')),
  catalogueEntry(resetStateManifest, () => import('./reset-state/runbook.js')),
  catalogueEntry(failedNodeManifest, () => import('./failed-node/runbook.js')),
  catalogueEntry(iscsiCleanupManifest, () => import('./iscsi-cleanup/runbook.js')),
  catalogueEntry(uidGidManifest, () => import('./uid-gid/runbook.js')),
];

export function findEntry(id: string): CatalogueEntry | undefined {
  return catalogue.find((r) => r.id === id);
}

export async function loadRunbook(id: string): Promise<Runbook | undefined> {
  return findEntry(id)?.load();
}
