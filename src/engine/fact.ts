// Typed facts: what one step hands to the next through state.json, kept across resumes. Each fact
// is declared once with its key and its shape; a value that does not fit (a state.json edited or
// damaged by hand) is named, never used half-understood.
import type { z } from 'zod';
import { DamagedRunError } from './errors.js';
import type { StepContext } from './runbook.js';

export interface Fact<T> {
  readonly key: string;
  /** The value, or undefined before a step set it. */
  get(ctx: Pick<StepContext, 'facts' | 'runId'>): T | undefined;
  /** The value a later step depends on; missing means an earlier step did not run. */
  require(ctx: Pick<StepContext, 'facts' | 'runId'>): T;
  set(ctx: Pick<StepContext, 'setFact'>, value: T): Promise<void>;
}

export function defineFact<T>(key: string, schema: z.ZodType<T>, whoSetsIt: string): Fact<T> {
  const get = (ctx: Pick<StepContext, 'facts' | 'runId'>): T | undefined => {
    const raw = ctx.facts[key];
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new DamagedRunError(
        `state.json of run ${ctx.runId}: facts.${key} is not what ${whoSetsIt} records (${parsed.error.issues[0]?.message ?? 'invalid'})`,
        `restore state.json from a copy of the run directory, or give the run up with: novaops abandon ${ctx.runId}`,
      );
    }
    return parsed.data;
  };
  return {
    key,
    get,
    require(ctx) {
      const value = get(ctx);
      if (value === undefined) throw new Error(`${key} is not known yet: ${whoSetsIt} must run first`);
      return value;
    },
    set: (ctx, value) => ctx.setFact(key, value),
  };
}
