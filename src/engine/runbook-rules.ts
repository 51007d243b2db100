// What a runbook declares is checked by the engine (DESIGN section 2, invariants 12-13), so that
// no runbook can forget a rule: at load for what the runbook says of itself, at plan time for what
// a step's plan holds.
import { EngineRuleError } from './errors.js';
import type { Operation, SqlOperation } from '../operations/types.js';
import type { PlanItem, Runbook, RunbookManifest, Step } from './runbook.js';

/**
 * Checked when a runbook is loaded and before a run starts: its options and arguments are keys of
 * its params schema; each mutating step is guarded, or says why no guard applies.
 */
export function checkRunbook(runbook: Runbook): void {
  checkOptions(runbook);
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

/** The catalogue's line and the loaded runbook are one declaration. */
export function checkManifestMatches(manifest: RunbookManifest, runbook: Runbook): void {
  if (runbook.id !== manifest.id) throw new EngineRuleError(`the catalogue's ${manifest.id} loaded runbook ${runbook.id}: spread its manifest into its runbook.ts`);
  const keys = (m: RunbookManifest) => [...m.options, ...(m.arguments ?? [])].map((o) => o.key).join(',');
  if (keys(runbook) !== keys(manifest)) throw new EngineRuleError(`runbook ${runbook.id}: its options (${keys(runbook)}) are not the ones its manifest declares (${keys(manifest)})`);
}

/**
 * Each option and argument is a key of the params schema (the CLI, the session's form and `show`
 * all hand values over by that key), and its declaration holds together: a toggle takes no value,
 * the others take one; a list is repeatable; a choice has choices, and its default is one of them.
 */
export function checkOptions(runbook: Runbook): void {
  const keys = schemaKeys(runbook.params);
  const where = `runbook ${runbook.id}`;
  if (!keys) throw new EngineRuleError(`${where}: its params schema is not an object schema (z.object(...)), so its options cannot be matched to its keys`);
  const seen = new Set<string>();
  for (const spec of [...runbook.options.map((o) => ({ ...o, name: o.flags })), ...(runbook.arguments ?? []).map((a) => ({ ...a, name: a.syntax }))]) {
    if (!keys.has(spec.key)) {
      throw new EngineRuleError(`${where}: ${spec.name} hands its value over as "${spec.key}", which its params schema does not have (keys: ${[...keys].join(', ') || 'none'}); declare the key in params.ts or fix the option's key`);
    }
    if (seen.has(spec.key)) throw new EngineRuleError(`${where}: two options or arguments use the params key "${spec.key}"`);
    seen.add(spec.key);
  }
  for (const option of runbook.options) {
    const takesValue = /[<[]/.test(option.flags);
    const problem =
      option.kind === 'toggle' && takesValue
        ? 'is a toggle but its flags take a value'
        : option.kind !== 'toggle' && !takesValue
          ? `is a ${option.kind} but its flags take no value (e.g. '--name <value>')`
          : (option.kind === 'list') !== !!option.repeatable
            ? 'is repeatable exactly when it is a list'
            : option.kind === 'choice' && !option.choices?.length
              ? 'is a choice without choices'
              : option.kind !== 'choice' && option.choices
                ? `has choices but is a ${option.kind}`
                : option.default !== undefined && option.choices && !option.choices.includes(option.default)
                  ? `defaults to ${option.default}, which is not one of its choices (${option.choices.join(', ')})`
                  : undefined;
    if (problem) throw new EngineRuleError(`${where}: option ${option.flags} ${problem}`);
  }
}

/** The keys of an object schema, through the wrappers a params schema may have (a transform, a default). */
function schemaKeys(schema: unknown): Set<string> | undefined {
  let def = (schema as { _zod?: { def?: ZodDef } })?._zod?.def;
  for (let depth = 0; def && depth < 10; depth++) {
    if (def.type === 'object' && def.shape) return new Set(Object.keys(def.shape));
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    def = (inner as { _zod?: { def?: ZodDef } } | undefined)?._zod?.def;
  }
  return undefined;
}

interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  in?: unknown;
  innerType?: unknown;
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
