// What a runbook declares is checked by the engine (DESIGN section 2, invariants 12-13), so that
// no runbook can forget a rule: at load for what the runbook says of itself, at plan time for what
// a step's plan holds.
import { EngineRuleError } from './errors.js';
import type { Operation, SqlOperation } from '../operations/types.js';
import type { PlanItem, Runbook, Step } from './runbook.js';

/** Checked before a run starts: each mutating step is guarded, or says why no guard applies. */
export function checkRunbook(runbook: Runbook): void {
  const seen = new Set<string>();
  for (const step of runbook.steps) {
    if (seen.has(step.id)) throw new EngineRuleError(`runbook ${runbook.id}: two steps are called "${step.id}"`);
    seen.add(step.id);
    if (step.readOnly) continue;
    const guarded = (step.guards?.length ?? 0) > 0;
    if (!guarded && !step.unguarded?.trim()) {
      throw new EngineRuleError(`runbook ${runbook.id}: step "${step.id}" changes the cloud without a guard and does not say why none applies (Step.unguarded)`);
    }
  }
}

export type Execution = 'none' | 'transaction' | 'items';

/**
 * Checked on every plan: a read-only step plans nothing mutating; mutating SQL never runs outside
 * the step's transaction with its rows saved first (there is no flag to forget: a step whose plan
 * holds mutating SQL runs as a transaction, and holds nothing else). Returns how the step's items run.
 */
export function checkPlan(step: Step, items: readonly PlanItem[]): Execution {
  const ops: Operation[] = items.flatMap((i) => i.ops);
  const mutating = ops.filter((op) => op.mutating);
  if (step.readOnly && mutating.length > 0) {
    throw new EngineRuleError(`step ${step.id} is read-only but plans a mutating operation: "${mutating[0].summary}"`);
  }
  const sql = mutating.filter((op): op is SqlOperation => op.kind === 'sql');
  if (sql.length === 0) return mutating.length > 0 || ops.length > 0 ? 'items' : 'none';
  const other = ops.find((op) => op.kind !== 'sql' || !op.mutating);
  if (other) {
    throw new EngineRuleError(`step ${step.id} mixes mutating SQL with "${other.summary}": its SQL runs in one transaction; give the other operations a step of their own`);
  }
  const unsaved = sql.find((op) => !op.backup);
  if (unsaved) throw new EngineRuleError(`step ${step.id}: "${unsaved.summary}" changes rows without saying which (RowBackup): they could not be saved first`);
  return 'transaction';
}
