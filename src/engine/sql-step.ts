// A step's mutating SQL (invariant 7): one transaction per database, the affected rows locked,
// saved to the run dir with a generated rollback script (durably, before any write), then every
// statement, then the commits. Any failure rolls every transaction back.
//
// The rows are streamed to the backup and the rollback script one statement's worth at a time:
// a recovery of thousands of attachments, each row with its connection_info, must not have to
// fit in the memory of a jump host.
import type { RetryObserver, SqlEffect } from '../effects/types.js';
import type { ArtifactStream, Artifacts, PlanItem } from './runbook.js';
import type { DbName, Row, SqlOperation } from '../operations/types.js';
import { EngineRuleError } from './errors.js';

export interface SqlStepHooks {
  opStart(item: PlanItem, op: SqlOperation): string;
  opEnd(opId: string, item: PlanItem, ok: boolean, durationMs: number, rows?: number, error?: string): void;
  /** The transaction is about to be run again from its start (retry-policy.ts). */
  retry?: RetryObserver;
}

export interface SqlStepResult {
  backupFile: string;
  rollbackFile: string;
  affectedRows: number;
}

// Order of commits: Cinder first, then Nova's (the cells' databases in name order, nova_api
// last). If a Nova commit failed after Cinder's, a resumed run repeats the step; every statement
// is written to be a no-op on rows already cleaned.
function commitOrder(dbs: ReadonlySet<DbName>): DbName[] {
  const rank = (db: DbName) => (db === 'cinder' ? 0 : db === 'nova_api' ? 2 : 1);
  return [...dbs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export async function runSqlStep(
  stepId: string,
  attempt: number,
  items: PlanItem[],
  sql: SqlEffect,
  artifacts: Artifacts,
  hooks: SqlStepHooks,
): Promise<SqlStepResult> {
  const ops = items.flatMap((item) => item.ops.map((op) => ({ item, op })));
  for (const { op } of ops) {
    if (op.kind !== 'sql' || !op.mutating) throw new EngineRuleError(`step ${stepId}: a transactional step holds only mutating SQL`);
  }
  const sqlOps = ops as { item: PlanItem; op: SqlOperation }[];
  const dbs = commitOrder(new Set(sqlOps.map(({ op }) => op.db)));
  const suffix = `${stepId}-attempt${attempt}`;
  // A lock wait, a deadlock or a lost connection re-runs all of this from the start, in new
  // transactions (the effect's retry policy). The backup is taken again each time, under the
  // locks of the transaction that will commit: between two tries, the transaction we collided
  // with may have committed changes to these rows, and a backup read before them would restore
  // the wrong values. The new files replace the old ones (durable rename) before any statement.
  return sql.transaction(
    dbs,
    async (tx) => {
      let backup: ArtifactStream | undefined;
      let rollback: ArtifactStream | undefined;
      try {
        backup = await artifacts.stream(`rows-${suffix}.json`);
        rollback = await artifacts.stream(`rollback-${suffix}.sql`);
        await rollback.write(rollbackHeader(stepId));
        await backup.write('[');
        const seen = new Set<string>();
        let first = true;
        for (const { op } of sqlOps) {
          if (!op.backup) continue;
          const { table, key, where, params } = op.backup;
          const { rows } = await tx(op.db).query(`SELECT * FROM ${table} WHERE ${where} FOR UPDATE`, params);
          const saved = { db: op.db, schema: sql.schemaName(op.db), table, key, rows };
          await backup.write(`${first ? '\n' : ',\n'}${JSON.stringify(saved)}`);
          await rollback.write(rollbackLines(saved, seen, sql));
          first = false;
        }
        await backup.write('\n]\n');
        await rollback.write('COMMIT;\n');
        // Both on disk before the first statement runs.
        await backup.close();
        await rollback.close();

        let affectedRows = 0;
        for (const { item, op } of sqlOps) {
          const opId = hooks.opStart(item, op);
          const started = performance.now();
          try {
            const result = await tx(op.db).query(op.sql, op.params);
            affectedRows += result.affectedRows;
            hooks.opEnd(opId, item, true, performance.now() - started, result.affectedRows);
          } catch (error) {
            hooks.opEnd(opId, item, false, performance.now() - started, undefined, String((error as Error).message ?? error));
            throw error;
          }
        }
        return { backupFile: backup.path, rollbackFile: rollback.path, affectedRows };
      } catch (error) {
        await backup?.abort();
        await rollback?.abort();
        throw error;
      }
    },
    hooks.retry,
  );
}

function rollbackHeader(stepId: string): string {
  return [
    `-- novaops rollback for step ${stepId}, generated ${new Date().toISOString()}`,
    '-- Restores the rows exactly as they were before the step. Review before running:',
    '--   mysql --defaults-extra-file=<your credentials> < this-file.sql',
    '-- It holds the rows as saved, connection_info (CHAP credentials) included: keep it private.',
    'START TRANSACTION;',
    '',
  ].join('\n');
}

/** UPDATE statements that put every saved row back as it was, column by column. */
function rollbackLines(backup: { schema: string; table: string; key: string; rows: Row[] }, seen: Set<string>, sql: SqlEffect): string {
  const lines: string[] = [];
  for (const row of backup.rows) {
    const id = `${backup.schema}.${backup.table}.${String(row[backup.key])}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const columns = Object.keys(row).filter((c) => c !== backup.key);
    const assignments = columns.map((c) => `\`${c}\` = ?`).join(', ');
    lines.push(
      sql.format(`UPDATE \`${backup.schema}\`.\`${backup.table}\` SET ${assignments} WHERE \`${backup.key}\` = ?;`, [
        ...columns.map((c) => row[c] as never),
        row[backup.key] as never,
      ]),
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
