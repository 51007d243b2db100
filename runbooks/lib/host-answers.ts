// Does a compute host still answer? Asked the way an operator would: through its entry in the
// novaops config (ssh with strict host keys, or locally), ask it for its iSCSI sessions. A host that
// runs the command at all is alive, whatever its nova-compute says — and one that still holds
// sessions may still have guests writing to their volumes. Only a host that cannot be reached
// (ssh's exit 255, no answer within the timeout) counts as not answering.
import type { StepContext } from '../../src/engine/runbook.js';
import type { ShellOperation } from '../../src/operations/types.js';
import { NO_ACTIVE_SESSIONS, parseSessions } from '../../src/operations/iscsi-sessions.js';

/** ssh's own exit code when it could not connect or lost the connection. */
const SSH_UNREACHABLE = 255;
/** What novaops reports for a command it killed after its timeout. */
const TIMED_OUT = 124;
const PROBE_TIMEOUT_MS = 15_000;

export type HostAnswer =
  | { answers: true; evidence: string }
  | { answers: false; evidence: string }
  /** novaops has no way to ask (the host is not in the config). */
  | { answers: 'unknown'; evidence: string };

export function probeHostOp(host: string): ShellOperation & { mutating: false } {
  return {
    kind: 'shell',
    host,
    argv: ['iscsiadm', '-m', 'session'],
    // Every exit code is an answer here: the guard reads it.
    okExit: Array.from({ length: 256 }, (_, i) => i),
    mutating: false,
    summary: `ask ${host} whether it still answers (its iSCSI sessions)`,
    target: { host },
    command: `ssh ${host} iscsiadm -m session`,
    timeoutMs: PROBE_TIMEOUT_MS,
  };
}

export async function askHost(ctx: StepContext, host: string): Promise<HostAnswer> {
  if (!ctx.hosts().includes(host)) {
    return { answers: 'unknown', evidence: `${host} is not in the novaops config (hosts:), so novaops cannot ask it` };
  }
  const result = await ctx.tryRead(probeHostOp(host));
  const code = result.exitCode;
  if (code === undefined) return { answers: false, evidence: `${host} could not be asked: ${result.error ?? 'no answer'}` };
  if (code === SSH_UNREACHABLE) return { answers: false, evidence: `${host} does not answer (exit ${code}: ${lastLine(result.stderr) || 'connection failed'})` };
  if (code === TIMED_OUT) return { answers: false, evidence: `${host} gave no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  if (code === 0) {
    const sessions = parseSessions(result.stdout ?? '').length;
    return { answers: true, evidence: `${host} answers, and holds ${sessions} iSCSI session(s)` };
  }
  if (code === NO_ACTIVE_SESSIONS) return { answers: true, evidence: `${host} answers (iscsiadm: no active sessions)` };
  return { answers: true, evidence: `${host} answers: a shell there ran \`iscsiadm -m session\` (exit ${code}${lastLine(result.stderr) ? `: ${lastLine(result.stderr)}` : ''})` };
}

function lastLine(text: string | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
