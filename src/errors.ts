// The one error base of novaops, below every layer: each error an operator can meet carries what
// to do next and the command's exit code, so the CLI never guesses from a class name.

export const ExitCode = {
  ok: 0,
  /** The run went through but some items or a step failed; `novaops resume` can finish it. */
  failed: 1,
  /** Bad input or configuration, or a damaged run directory; nothing was changed. */
  usage: 2,
  /** Refused: a guard failed, another run holds the lock, or an unfinished run comes first. */
  refused: 3,
  /** The operator answered no. */
  aborted: 4,
  /**
   * Every step went through, but items were held back on purpose (a guard, a recheck, a settle)
   * and are not done; the run is finished, not resumable: each held item names what to do.
   */
  heldBack: 5,
} as const;

export class NovaopsError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
