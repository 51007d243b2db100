// Test mode's promise (invariant 4), enforced where operations are planned and executed rather
// than left to each runbook: in a rehearsal, a mutating operation must name the rehearsal's
// instance, host or volume as its target.
import { EngineRuleError } from './errors.js';
import type { Operation } from '../operations/types.js';
import type { Scope } from './runbook.js';

export function assertInScope(op: Operation, scope: Scope): void {
  if (!op.mutating) return;
  if (scope.instance && op.target.instance !== scope.instance.uuid) {
    throw new EngineRuleError(`refused: "${op.summary}" targets ${op.target.instance ?? 'no instance'} but this run is scoped to instance ${scope.instance.uuid}`);
  }
  if (scope.host && op.target.host !== scope.host) {
    throw new EngineRuleError(`refused: "${op.summary}" targets ${op.target.host ? `host ${op.target.host}` : 'no host'} but this run is scoped to host ${scope.host}`);
  }
  if (scope.volume && op.target.volume !== scope.volume.id) {
    throw new EngineRuleError(`refused: "${op.summary}" targets ${op.target.volume ? `volume ${op.target.volume}` : 'no volume'} but this run is scoped to volume ${scope.volume.id}`);
  }
}
