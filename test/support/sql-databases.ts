// The databases a run's SQL named, reads and writes alike, from its transcript: what proves a run
// scoped to one cell never spoke to another cell's database.
import { readEvents, transcriptOf } from './transcript-watch.js';

export async function sqlDatabases(stateDir: string, runId: string): Promise<Set<string>> {
  const dbs = new Set<string>();
  for (const e of await readEvents(transcriptOf(stateDir, runId))) {
    if (e.type === 'op.start') {
      const m = /^mysql (\S+) -e /.exec(e.command);
      if (m) dbs.add(m[1]);
    }
    if (e.type === 'op.planned' && e.op.db) dbs.add(e.op.db);
  }
  return dbs;
}

/** The run id a CLI run prints ("run 20261208-001500-<runbook>-abcd"). */
export function runIdIn(stdout: string, runbook: string): string {
  const m = new RegExp(`run (\\d{8}-\\d{6}-${runbook}-[0-9a-f]{4})`).exec(stdout);
  if (!m) throw new Error(`no run id of ${runbook} in:\n${stdout}`);
  return m[1];
}
