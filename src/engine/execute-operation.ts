// Executes one operation through the effects. The only place the engine turns an operation
// value into I/O; dry-run never reaches here with a mutating operation.
import type { Effects, RetryObserver } from '../effects/types.js';
import { CloudUnreachableError, sshVerdict } from '../effects/retry-policy.js';
import type { ApiOperation, Operation, OperationResult, ShellOperation, SqlOperation } from '../operations/types.js';
import { assertShellAllowed } from './shell-policy.js';
import { EngineRuleError } from './errors.js';

export const GUEST_PREFIX = 'guest:';

/**
 * The effects retry what the retry policy allows and tell each retry to `observe`. A mutating
 * operation whose answer was lost comes back with `answerLost` (run-item.ts resolves it by reading);
 * a cloud that answered nothing for the policy's budget throws CloudUnreachableError: the run stops.
 */
export async function executeOperation(op: Operation, effects: Effects, observe?: RetryObserver): Promise<OperationResult> {
  switch (op.kind) {
    case 'api':
      return executeApi(op, effects, observe);
    case 'shell':
      return executeShell(op, effects, observe);
    case 'sql':
      return executeSql(op, effects, observe);
  }
}

/** A request that never got an answer is a failed item, not a crashed run; a silent cloud stops the run. */
async function executeApi(op: ApiOperation, effects: Effects, observe?: RetryObserver): Promise<OperationResult> {
  const started = performance.now();
  try {
    return await effects.openstack.execute(op, observe);
  } catch (error) {
    if (error instanceof CloudUnreachableError) throw error;
    return { ok: false, durationMs: performance.now() - started, error: messageOf(error) };
  }
}

async function executeShell(op: ShellOperation, effects: Effects, observe?: RetryObserver): Promise<OperationResult> {
  assertShellAllowed(op.argv);
  const started = performance.now();
  try {
    const runOpts = { timeoutMs: op.timeoutMs, mutating: op.mutating, observe };
    const result = op.host.startsWith(GUEST_PREFIX)
      ? await effects.hosts.runOnGuest(op.host.slice(GUEST_PREFIX.length), op.argv, runOpts)
      : await effects.hosts.run(op.host, op.argv, runOpts);
    const ok = (op.okExit ?? [0]).includes(result.exitCode);
    if (!ok && sshVerdict(op.mutating, result.exitCode, result.stderr) === 'lost-answer') {
      return { ok: false, answerLost: true, durationMs: result.durationMs, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, error: `ssh dropped while "${op.summary}" ran: whether it was applied is unknown` };
    }
    const described = ok ? undefined : op.describeFailure?.(result);
    return {
      ok,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      error: ok ? undefined : `exit ${result.exitCode}${described ? `: ${described}` : result.stderr.trim() ? `: ${lastLine(result.stderr)}` : ''}`,
    };
  } catch (error) {
    return { ok: false, durationMs: performance.now() - started, error: messageOf(error) };
  }
}

async function executeSql(op: SqlOperation, effects: Effects, observe?: RetryObserver): Promise<OperationResult> {
  const started = performance.now();
  if (op.mutating) refuseMutatingSql(op);
  try {
    const rows = await effects.sql.select(op.db, op.sql, op.params, observe);
    return { ok: true, durationMs: performance.now() - started, rows, value: rows };
  } catch (error) {
    return { ok: false, durationMs: performance.now() - started, error: messageOf(error) };
  }
}

/** Mutating SQL has one way in: the step transaction, with its rows saved first (sql-step.ts). */
function refuseMutatingSql(op: SqlOperation): never {
  throw new EngineRuleError(`"${op.summary}" is mutating SQL; it runs only in its step's transaction, after the rows are saved`);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
