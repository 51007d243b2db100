// A catalogue line from a runbook's declaration and the import of its steps. The steps are loaded
// on first use and checked by the engine's rules then (runbook-rules.ts): a runbook whose options
// do not match its params schema, or whose mutating step has no guard, never reaches an operator.
import type { CatalogueEntry, Runbook, RunbookManifest } from './runbook.js';

export function catalogueEntry(manifest: RunbookManifest, steps: () => Promise<{ default: Runbook }>): CatalogueEntry {
  return {
    ...manifest,
    async load() {
      const [{ default: runbook }, { checkRunbook, checkManifestMatches }] = await Promise.all([steps(), import('./runbook-rules.js')]);
      checkManifestMatches(manifest, runbook);
      checkRunbook(runbook);
      return runbook;
    },
  };
}
