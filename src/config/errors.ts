// Config problems are the operator's to fix, so every one carries a hint saying how.
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}
