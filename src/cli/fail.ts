// Turns any error into the message an operator needs and the command's exit code.
import { ExitCode, NovaopsError } from '../errors.js';

export function exitCodeOf(error: unknown): number {
  return error instanceof NovaopsError ? error.exitCode : ExitCode.failed;
}

export function describeError(error: unknown): string {
  if (error instanceof NovaopsError) return `novaops: ${error.message}${error.hint ? `\n  what to do: ${error.hint}` : ''}`;
  if (error instanceof Error) return `novaops: ${error.message}`;
  return `novaops: ${String(error)}`;
}
