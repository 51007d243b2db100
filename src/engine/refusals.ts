// refusals.jsonl beside the runs: who was refused, when, and why — for the audit, without writing
// into any run's directory (a refused process holds no run's lock, invariant 14).
import { join } from 'node:path';
import { SyncAppender } from '../effects/files/journal.js';
import { ExitCode, NovaopsError } from './errors.js';
import { messageOf } from './execute-operation.js';

export interface Refusal {
  runId: string;
  runbook: string;
  what: string;
  operator: string;
  host: string;
  error: unknown;
}

export async function recordRefusal(stateDir: string, refusal: Refusal): Promise<void> {
  try {
    const appender = new SyncAppender(join(stateDir, 'refusals.jsonl'));
    appender.append(
      JSON.stringify({
        ts: new Date().toISOString(),
        runId: refusal.runId,
        runbook: refusal.runbook,
        what: refusal.what,
        operator: refusal.operator,
        host: refusal.host,
        pid: process.pid,
        exitCode: refusal.error instanceof NovaopsError ? refusal.error.exitCode : ExitCode.failed,
        reason: messageOf(refusal.error),
      }),
    );
    appender.close();
  } catch {
    // A state directory that cannot take the record (missing, read-only) must not hide the refusal itself.
  }
}
