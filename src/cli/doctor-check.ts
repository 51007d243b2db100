// What one doctor check is: a name, a run that resolves to its verdict or throws, and the fix.

export interface DoctorCheck {
  name: string;
  /** Resolves to the verdict's detail; throws when the check fails. */
  run(): Promise<string>;
  fix: string;
}

/** A check that failed with its own fix (the check's `fix` is the generic one). */
export class CheckFailure extends Error {
  constructor(message: string, readonly fix: string) {
    super(message);
  }
}
