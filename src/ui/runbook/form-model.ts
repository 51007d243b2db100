// A runbook's parameters as form fields, and the form's values checked by the runbook's own zod
// schema: the same rules as `novaops run`, shown under the field they concern.
import type { ArgumentSpec, OptionSpec, Runbook } from '../../engine/runbook.js';

export interface FormField {
  key: string;
  /** '--stuck-for <duration>', '[instance...]'. */
  label: string;
  description: string;
  /** As the option declares it (OptionSpec.kind); a variadic argument is a list. */
  kind: 'text' | 'list' | 'toggle' | 'choice';
  /** kind 'choice': what it takes, and what holds when nothing is chosen. */
  choices?: readonly string[];
  default?: string;
  /** The names a schema issue may use for this field: its key, its long flag. */
  names: string[];
}

export type FormValues = Record<string, string | boolean>;

export function fieldsOf(runbook: Pick<Runbook, 'options' | 'arguments'>): FormField[] {
  const args = (runbook.arguments ?? []).map((a: ArgumentSpec): FormField => ({
    key: a.key,
    label: a.syntax,
    description: a.description,
    kind: a.syntax.includes('...') ? 'list' : 'text',
    names: [a.key, a.syntax.replace(/[<>[\].]/g, '')],
  }));
  const options = runbook.options.map((o: OptionSpec): FormField => {
    const flag = o.flags.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? o.key;
    return { key: o.key, label: o.flags, description: o.description, kind: o.kind, choices: o.choices, default: o.default, names: [o.key, flag] };
  });
  return [...args, ...options];
}

/** A choice field's next value: through its choices, back to the first. */
export function nextChoice(field: FormField, value: string | boolean | undefined): string | undefined {
  const choices = field.choices ?? [];
  const current = typeof value === 'string' ? value : field.default;
  return choices[(choices.indexOf(current ?? '') + 1) % choices.length];
}

/** What commander would have handed the runbook: no empty strings, lists split, toggles only when on. */
export function rawParams(fields: readonly FormField[], values: FormValues): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.kind === 'toggle') {
      if (value === true) raw[field.key] = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      raw[field.key] = field.kind === 'list' ? value.split(/[\s,]+/).filter(Boolean) : value.trim();
    }
  }
  return raw;
}

export interface FormCheck {
  ok: boolean;
  /** Messages by field key. */
  byField: Record<string, string[]>;
  /** Messages that name no field. */
  general: string[];
}

export function checkForm(runbook: Pick<Runbook, 'params'>, fields: readonly FormField[], values: FormValues): FormCheck {
  const result = runbook.params.safeParse(rawParams(fields, values));
  if (result.success) return { ok: true, byField: {}, general: [] };
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? '');
    const field = fields.find((f) => f.names.includes(name));
    if (field) (byField[field.key] ??= []).push(issue.message);
    else general.push(name ? `${name}: ${issue.message}` : issue.message);
  }
  return { ok: false, byField, general };
}
