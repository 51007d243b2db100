// Turns any error into the message an operator needs and the command's exit code.
import { ExitCode, NovaopsError } from '../engine/errors.js';

interface Hinted {
  message: string;
  hint?: string;
}

/** Config and validation errors are bad input: nothing was changed, exit 2. */
const USAGE_ERROR_NAMES = new Set(['ConfigError', 'ValidationError', 'UsageError', 'SqlError', 'OpenStackAuthError']);

export function exitCodeOf(error: unknown): number {
  if (error instanceof NovaopsError) return error.exitCode;
  if (error instanceof Error && USAGE_ERROR_NAMES.has(error.name)) return ExitCode.usage;
  return ExitCode.failed;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const hint = (error as Hinted).hint;
    return `novaops: ${error.message}${hint ? `\n  what to do: ${hint}` : ''}`;
  }
  return `novaops: ${String(error)}`;
}
