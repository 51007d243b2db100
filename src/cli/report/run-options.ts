// A run's params as the operator typed them: each runbook option by its flag, with its value,
// and the command line that started the run as far as the transcript tells.
import type { EngineEvent } from '../../engine/events.js';
import type { ArgumentSpec, OptionSpec } from '../../engine/runbook.js';

type RunStart = Extract<EngineEvent, { type: 'run.start' }>;

export interface RunOption {
  flag: string;
  value: string;
  given: boolean;
}

/** Every option of the runbook, as the operator would type it, with what this run had. */
export function runOptions(params: unknown, options: readonly OptionSpec[], args: readonly ArgumentSpec[]): RunOption[] {
  const p = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  const shown = new Set<string>();
  const rows: RunOption[] = [];
  for (const a of args) {
    shown.add(a.key);
    const v = p[a.key];
    rows.push({ flag: a.syntax, value: showParam(v), given: isGiven(v) });
  }
  for (const o of options) {
    shown.add(o.key);
    const v = p[o.key];
    rows.push({ flag: o.flags.split(' ')[0], value: showParam(v), given: isGiven(v) });
  }
  // Params the catalogue does not name (an older or newer runbook): shown under their own key.
  for (const [key, v] of Object.entries(p)) {
    if (!shown.has(key)) rows.push({ flag: `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value: showParam(v), given: isGiven(v) });
  }
  return rows;
}

function isGiven(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
}

function showParam(v: unknown): string {
  if (v === undefined || v === null || v === false) return 'no';
  if (v === true) return 'yes';
  if (Array.isArray(v)) return v.length === 0 ? 'no' : v.map(String).join(' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function commandLine(start: RunStart | undefined, options: readonly RunOption[]): string {
  if (!start) return '';
  const parts = ['novaops', 'run', start.runbook];
  for (const o of options) {
    if (!o.given) continue;
    if (o.flag.startsWith('-')) parts.push(o.value === 'yes' ? o.flag : `${o.flag} ${o.value}`);
    else parts.push(o.value);
  }
  if (start.scope) parts.push(`--test-${start.scope.kind} ${start.scope.ref}`);
  if (start.mode === 'dry-run') parts.push('--dry-run');
  return parts.join(' ');
}
