// `novaops show <runbook>`: the procedure as the runner will execute it.
import { showValue } from '../../config/show-value.js';
import { UsageError } from '../../engine/errors.js';
import { catalogue, loadRunbook } from '../../../runbooks/index.js';

export async function showCommand(id: string): Promise<void> {
  const runbook = await loadRunbook(id);
  if (!runbook) throw new UsageError(`unknown runbook ${showValue(id)}`, `known runbooks: ${catalogue.map((r) => r.id).join(', ')}`);
  const out: string[] = [
    `${runbook.id} — ${runbook.title} (version ${runbook.version})`,
    `reference: ${runbook.reference}`,
    `${runbook.summary}`,
    'every SQL change runs in its step\'s transaction, one per database, the affected rows saved with a rollback script first',
    '',
  ];
  for (const [index, step] of runbook.steps.entries()) {
    out.push(`Step ${index}: ${step.title}${step.optional ? ' (optional)' : ''}${step.readOnly ? ' [read-only]' : ''}`);
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
  for (const option of runbook.options) out.push(`  ${option.flags.padEnd(25)} ${option.description}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
