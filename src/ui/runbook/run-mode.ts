// The three ways to run a runbook from its page. A test run and a full run are live: a read-only
// session offers neither (the engine refuses them too, exit 3).
import type { TestScopeKind } from '../../engine/runbook.js';

export type RunChoice = 'dry-run' | 'test' | 'full';

export function runChoices(testScope: TestScopeKind | undefined, readOnly: boolean): RunChoice[] {
  if (readOnly) return ['dry-run'];
  return testScope === 'instance' || testScope === 'host' ? ['dry-run', 'test', 'full'] : ['dry-run', 'full'];
}

export function choiceLabel(choice: RunChoice, testScope: TestScopeKind | undefined): string {
  if (choice === 'dry-run') return 'dry-run';
  if (choice === 'test') return `test on one ${testScope === 'host' ? 'host' : 'instance'}`;
  return 'FULL run';
}
