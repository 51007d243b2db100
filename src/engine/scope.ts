// Test mode's promise (invariant 4), enforced where operations are executed rather than left to
// each runbook: with --test-instance, a mutating operation must name that instance as its target.
import { EngineRuleError } from './errors.js';
import type { Operation } from '../operations/types.js';
import type { Scope } from './runbook.js';

export function assertInScope(op: Operation, scope: Scope): void {
  if (!op.mutating || !scope.instance) return;
  if (op.target.instance !== scope.instance.uuid) {
    throw new EngineRuleError(
      `refused: "${op.summary}" targets ${op.target.instance ?? 'no instance'} but this run is scoped to instance ${scope.instance.uuid}`,
    );
  }
}
