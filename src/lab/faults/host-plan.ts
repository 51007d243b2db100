// Host commands are shell scripts run as separate processes, so they cannot share the simulator's
// random stream. Instead the plan is written out ahead: line `i kind` says the i-th host command
// (in the order the commands ask, under a lock) meets that fault. bin/lab-faults.sh reads it.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { labPaths } from '../paths.js';
import type { FaultPlan } from './plan.js';

/** Commands covered by one written plan; later commands run unfaulted. */
export const HOST_PLAN_LENGTH = 100_000;

/** What a faulted host command does; `host-drop` is split by whether its effect happened first. */
export type HostFaultAction = 'host-drop-before' | 'host-drop-after' | 'host-hang';

export function hostFaultLines(plan: FaultPlan, length = HOST_PLAN_LENGTH): string[] {
  const lines: string[] = [];
  for (let i = 0; i < length; i++) {
    const d = plan.draw('host');
    if (!d) continue;
    const action: HostFaultAction = d.kind === 'host-hang' ? 'host-hang' : d.variant < 0.5 ? 'host-drop-before' : 'host-drop-after';
    lines.push(`${i} ${action}`);
  }
  return lines;
}

/** Writes the plan (or removes it: faults off) and starts the command count again at 0. */
export async function writeHostFaultPlan(labDirectory: string, plan: FaultPlan | undefined): Promise<void> {
  const p = labPaths(labDirectory);
  await rm(p.hostFaultPlan, { force: true });
  // A lab that never had faults keeps no faults directory.
  if (!plan || plan.kindsFor('host').length === 0) return;
  await mkdir(path.dirname(p.hostFaultPlan), { recursive: true });
  await writeFile(p.hostFaultNext, '0\n');
  const lines = hostFaultLines(plan);
  // Written whole then renamed: a command never reads half a plan.
  await writeFile(`${p.hostFaultPlan}.tmp`, lines.map((l) => `${l}\n`).join(''));
  await rename(`${p.hostFaultPlan}.tmp`, p.hostFaultPlan);
}

export async function clearHostFaultLog(labDirectory: string): Promise<void> {
  await rm(labPaths(labDirectory).hostFaultLog, { force: true });
}

/** Host faults injected so far, by kind (host-drop-before, host-drop-after, host-hang). */
export async function hostFaultCounts(labDirectory: string): Promise<Record<string, number>> {
  const text = await readFile(labPaths(labDirectory).hostFaultLog, 'utf8').catch(() => '');
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const kind = line.split(' ')[0];
    if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
