// The before (and after) table an operator reads: one line per instance, columns aligned, as
// plain text lines (each becomes a note: a dry-run marks every line) and as TSV for the run
// directory.
import { formatDuration } from '../lib/duration.js';
import type { InstanceEntry } from './facts.js';

export function actionOf(e: InstanceEntry, force: boolean): string {
  if (!e.stuck && !force) return 'REFUSED: not stuck (--force resets it anyway)';
  const reset = `reset to ${e.resetTo}`;
  return e.delete ? `${reset}, then delete` : reset;
}

const HEADER = ['instance', 'uuid', 'host', 'status', 'vm_state', 'task_state', 'updated_at', 'unchanged for', 'action'];

function row(e: InstanceEntry, force: boolean): string[] {
  return [
    e.name || '-',
    e.uuid,
    e.host ?? '-',
    e.status,
    e.vmState ?? '-',
    e.taskState ?? '-',
    e.updatedAt ?? '-',
    e.ageSeconds === null ? '?' : formatDuration(e.ageSeconds),
    actionOf(e, force),
  ];
}

export function align(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** The before table as lines; each instance's reason below it when it is not plainly stuck. */
export function beforeTable(entries: readonly InstanceEntry[], force: boolean): string[] {
  const lines = align([HEADER, ...entries.map((e) => row(e, force))]);
  const reasons = entries.flatMap((e) => [
    ...(!e.stuck ? [`${e.name || e.uuid}: not stuck: ${e.why}`] : []),
    ...(e.note ? [`${e.name || e.uuid}: ${e.note}`] : []),
    ...(e.delete && e.volumes > 0 ? [`${e.name || e.uuid}: ${e.volumes} volume(s) attached: deleting the instance detaches them (and deletes those created with delete_on_termination)`] : []),
  ]);
  return [...lines, ...reasons];
}

export function beforeTsv(entries: readonly InstanceEntry[], force: boolean): string {
  const lines = [HEADER, ...entries.map((e) => row(e, force))].map((r) => r.join('\t'));
  return `# ${lines[0]}\n${lines.slice(1).join('\n')}${lines.length > 1 ? '\n' : ''}`;
}
