// Executes one operation through the effects. The only place the engine turns an operation
// value into I/O; dry-run never reaches here with a mutating operation.
import type { Effects } from '../effects/types.js';
import type { ApiOperation, Operation, OperationResult, ShellOperation, SqlOperation } from '../operations/types.js';
import { assertShellAllowed } from './shell-policy.js';
import { EngineRuleError } from './errors.js';

export const GUEST_PREFIX = 'guest:';

export async function executeOperation(op: Operation, effects: Effects): Promise<OperationResult> {
  switch (op.kind) {
    case 'api':
      return executeApi(op, effects);
    case 'shell':
      return executeShell(op, effects);
    case 'sql':
      return executeSql(op, effects);
  }
}

/** A request that never got an answer is a failed item, not a crashed run; resume reads state before any retry. */
async function executeApi(op: ApiOperation, effects: Effects): Promise<OperationResult> {
  const started = performance.now();
  try {
    return await effects.openstack.execute(op);
  } catch (error) {
    return { ok: false, durationMs: performance.now() - started, error: messageOf(error) };
  }
}

async function executeShell(op: ShellOperation, effects: Effects): Promise<OperationResult> {
  assertShellAllowed(op.argv);
  const started = performance.now();
  try {
    const result = op.host.startsWith(GUEST_PREFIX)
      ? await effects.hosts.runOnGuest(op.host.slice(GUEST_PREFIX.length), op.argv, { timeoutMs: op.timeoutMs })
      : await effects.hosts.run(op.host, op.argv, { timeoutMs: op.timeoutMs });
    const ok = (op.okExit ?? [0]).includes(result.exitCode);
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

async function executeSql(op: SqlOperation, effects: Effects): Promise<OperationResult> {
  const started = performance.now();
  if (op.mutating) refuseMutatingSql(op);
  try {
    const rows = await effects.sql.select(op.db, op.sql, op.params);
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
