// `novaops show <runbook>`: the procedure as the runner will execute it, and the options as its
// manifest declares them (the same declaration the argument parser and the session's form read).
import { showValue } from '../../values/show-value.js';
import { UsageError } from '../../engine/errors.js';
import type { OptionSpec, Runbook } from '../../engine/runbook.js';
import { catalogue, loadRunbook } from '../../../runbooks/index.js';

export async function showCommand(id: string): Promise<void> {
  const runbook = await loadRunbook(id);
  if (!runbook) throw new UsageError(`unknown runbook ${showValue(id)}`, `known runbooks: ${catalogue.map((r) => r.id).join(', ')}`);
  process.stdout.write(`${describeRunbook(runbook).join('\n')}\n`);
}

/** What an option takes, when its flags do not say it all: its choices and default. */
export function optionValues(option: OptionSpec): string {
  const parts = [option.choices ? `one of ${option.choices.join(' | ')}` : '', option.kind === 'list' ? 'repeatable' : '', option.default !== undefined && option.choices ? `default ${option.default}` : ''];
  const said = parts.filter(Boolean).join(', ');
  return said ? ` [${said}]` : '';
}

export function describeRunbook(runbook: Runbook): string[] {
  const out: string[] = [
    `${runbook.id} — ${runbook.title} (version ${runbook.version})`,
    `reference: ${runbook.reference}`,
    `${runbook.summary}`,
    'every SQL change runs in its step\'s transaction, one per database, the affected rows saved with a rollback script first',
    '',
  ];
  for (const [index, step] of runbook.steps.entries()) {
    out.push(`Step ${index}: ${step.title}${step.optional ? ' (optional)' : ''}${step.readOnly ? ' [read-only]' : ''}`);
    if (step.appliesWhen) out.push(`  applies only with ${step.appliesWhen.describe}`);
    out.push(`  changes: ${step.changes}`);
    for (const guard of step.guards ?? []) out.push(`  guard: ${guard.name} — ${guard.describe}`);
    if (!step.readOnly && !step.guards?.length && step.unguarded) out.push(`  no guard: ${step.unguarded}`);
    for (const warning of step.warnings ?? []) out.push(`  warning: ${warning}`);
  }
  if (runbook.arguments?.length) {
    out.push('', `usage: novaops run ${runbook.id} ${runbook.arguments.map((a) => a.syntax).join(' ')} [options]`);
    for (const argument of runbook.arguments) out.push(`  ${argument.syntax.padEnd(25)} ${argument.description}`);
  }
  out.push('', 'options:');
  out.push('  --dry-run                 execute read-only discovery only; print the exact plan');
  if (runbook.testScope === 'instance') out.push('  --test-instance <id>      scope the whole runbook to one instance and its volumes (rehearsal)');
  if (runbook.testScope === 'host') out.push('  --test-host <host>        scope the whole runbook to one compute host (rehearsal)');
  for (const option of runbook.options) out.push(`  ${option.flags.padEnd(25)} ${option.description}${optionValues(option)}`);
  return out;
}
