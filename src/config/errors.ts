// Config problems are the operator's to fix, so every one carries a hint saying how (exit 2).
import { ExitCode, NovaopsError } from '../errors.js';

export class ConfigError extends NovaopsError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.usage);
  }
}
