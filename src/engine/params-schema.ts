// The part of a runbook's params schema that its declared options say by themselves: a toggle is a
// boolean (false unless given), a text a string, a list an array of strings, a choice one of its
// choices (with its default). The runbook's params.ts spreads these fields, replaces the ones that
// need a closer check (a host name, a path) and adds the rules between fields.
import { z } from 'zod';
import { showValue } from '../values/show-value.js';
import type { ArgumentSpec, OptionSpec, RunbookManifest } from './runbook.js';

type Enum<C extends string> = z.ZodEnum<{ [K in C]: K }>;

type OptionField<O extends OptionSpec> = O['kind'] extends 'toggle'
  ? z.ZodDefault<z.ZodBoolean>
  : O['kind'] extends 'list'
    ? z.ZodDefault<z.ZodArray<z.ZodString>>
    : O extends { kind: 'choice'; choices: readonly (infer C extends string)[] }
      ? O extends { default: string }
        ? z.ZodDefault<Enum<C>>
        : z.ZodOptional<Enum<C>>
      : O extends { default: string }
        ? z.ZodDefault<z.ZodString>
        : z.ZodOptional<z.ZodString>;

type ArgumentField<A extends ArgumentSpec> = A['syntax'] extends `${string}...${string}` ? z.ZodDefault<z.ZodArray<z.ZodString>> : z.ZodOptional<z.ZodString>;

type ArgumentFields<M> = M extends { arguments: readonly (infer A extends ArgumentSpec)[] } ? { [X in A as X['key']]: ArgumentField<X> } : {};

export type DeclaredFields<M extends RunbookManifest> = { [O in M['options'][number] as O['key']]: OptionField<O> } & ArgumentFields<M>;

/** The long flag of an option: '--method' of '--method <method>'. */
export function longFlag(option: Pick<OptionSpec, 'flags' | 'key'>): string {
  return option.flags.split(/[ ,|]+/).find((part) => part.startsWith('--')) ?? option.key;
}

/** What a value of the option is called in its flags: 'method' of '--method <method>'. */
function valueName(option: OptionSpec): string {
  return /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags)?.slice(1).find(Boolean) ?? 'value';
}

export function optionField(option: OptionSpec): z.ZodType {
  switch (option.kind) {
    case 'toggle':
      return z.boolean().default(false);
    case 'list':
      return z.array(z.string()).default([]);
    case 'choice': {
      const choices = (option.choices ?? []) as [string, ...string[]];
      const listed = choices.map((c) => (c === option.default ? `${c} (the default)` : c)).join(' or ');
      const field = z.enum(choices, { error: (issue) => `${longFlag(option)} ${showValue(issue.input)} is not a ${valueName(option)}: ${listed}` });
      return option.default === undefined ? field.optional() : field.default(option.default);
    }
    case 'text':
      return option.default === undefined ? z.string().optional() : z.string().default(option.default);
  }
}

export function argumentField(argument: ArgumentSpec): z.ZodType {
  return argument.syntax.includes('...') ? z.array(z.string()).default([]) : z.string().optional();
}

/** The schema fields of every declared option and argument, by params key. */
export function declaredFields<const M extends RunbookManifest>(manifest: M): DeclaredFields<M> {
  const fields: Record<string, z.ZodType> = {};
  for (const option of manifest.options) fields[option.key] = optionField(option);
  for (const argument of manifest.arguments ?? []) fields[argument.key] = argumentField(argument);
  return fields as DeclaredFields<M>;
}
