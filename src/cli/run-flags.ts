// What `novaops run <runbook>` hands the run command: its own flags, and the runbook's options by
// their declared keys. A module of its own, so that the command and the parser (main.ts, which
// loads the command) do not import each other.
export interface RunFlags {
  dryRun?: boolean;
  testInstance?: string;
  testHost?: string;
  yes?: boolean;
  json?: boolean;
  plain?: boolean;
  abandonUnfinished?: boolean;
  [runbookOption: string]: unknown;
}
