// A runbook's procedure as lines: what `novaops show` prints, laid out for a scrolled pane.
import type { Runbook } from '../../engine/runbook.js';
import { wrapText } from '../common/text-lines.js';

export function stepLines(runbook: Runbook, width: number): string[] {
  const out: string[] = [];
  const add = (text: string, indent: string) => out.push(...wrapText(`${indent}${text}`, width, `${indent}  `));
  runbook.steps.forEach((step, index) => {
    const marks = [step.readOnly ? 'read-only' : 'changes things', step.optional ? 'optional' : ''].filter(Boolean).join(', ');
    add(`${index + 1}. ${step.title}  [${marks}]`, '');
    if (step.appliesWhen) add(`applies only with ${step.appliesWhen.describe}`, '   ');
    add(`changes: ${step.changes}`, '   ');
    for (const guard of step.guards ?? []) add(`guard ${guard.name}: ${guard.describe}`, '   ');
    if (!step.readOnly && !step.guards?.length && step.unguarded) add(`no guard: ${step.unguarded}`, '   ');
    for (const warning of step.warnings ?? []) add(`! ${warning}`, '   ');
  });
  return out;
}
