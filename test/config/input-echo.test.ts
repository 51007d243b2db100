// Input enters through validate.ts and is echoed cut (showValue / showList): --test-instance and
// the "unrecognised schema" message of drp.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/engine/errors.js';
import type { StepContext } from '../../src/engine/runbook.js';
import { checkTestInstanceRef, resolveTestInstance } from '../../runbooks/lib/test-instance.js';
import { singleCell } from '../../src/operations/cells.js';
import { detectFlavour } from '../../runbooks/lib/schema-flavour.js';

function usageError(f: () => unknown): UsageError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe('--test-instance', () => {
  it('a 10,000-character value is refused and echoed cut, not whole', () => {
    const err = usageError(() => checkTestInstanceRef(`;${'x'.repeat(9_999)}`));
    expect(err.message).toBe(`--test-instance: ';${'x'.repeat(99)}…' (10000 characters) is neither an instance UUID nor an instance name`);
    expect(err.hint).toBeTruthy();
  });

  it('a malformed value is echoed as typed', () => {
    expect(usageError(() => checkTestInstanceRef('x;rm -rf /')).message).toBe("--test-instance: 'x;rm -rf /' is neither an instance UUID nor an instance name");
  });

  it('a UUID in any case is looked up in lower case (parseUuid from validate.ts)', async () => {
    const paths: string[] = [];
    const ctx = {
      async tryRead(op: { path: string }) {
        paths.push(op.path);
        return { ok: true, value: { id: '6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b', name: 'vm1' } };
      },
    } as unknown as StepContext;
    expect(await resolveTestInstance(ctx, '6F1C0C52-9F3E-4D0E-8A1B-0C1D2E3F4A5B')).toEqual({ kind: 'instance', uuid: '6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b', name: 'vm1' });
    expect(paths).toEqual(['/servers/6f1c0c52-9f3e-4d0e-8a1b-0c1d2e3f4a5b']);
  });

  it('an unknown 255-character name is echoed cut', async () => {
    const name = `vm${'a'.repeat(253)}`;
    const ctx = { read: async () => ({ ok: true, value: [] }) } as unknown as StepContext;
    const err = await resolveTestInstance(ctx, name).then(
      () => undefined,
      (e: unknown) => e as UsageError,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe(`--test-instance: no instance named '${name.slice(0, 100)}…' (255 characters)`);
  });
});

describe('drp: unrecognised schema', () => {
  /** A StepContext whose schema reads answer with these columns per database. */
  function schemaCtx(columns: { nova: Record<string, string[]>; cinder: Record<string, string[]> }): StepContext {
    return {
      async read(op: { db: 'nova' | 'cinder' }) {
        const rows = Object.entries(columns[op.db]).flatMap(([table, cols]) => cols.map((c) => ({ table_name: table, column_name: c })));
        return { ok: true, value: undefined, rows };
      },
      cells: singleCell('nova at 127.0.0.1:3306'),
    } as unknown as StepContext;
  }

  it('cuts each column list to the first 8 (the ones detection looks for first) and says how many more', async () => {
    const filler = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}_extra_column_${String(i).padStart(3, '0')}`);
    const ctx = schemaCtx({
      cinder: {
        // No mountpoint: neither modern nor cinder-columns.
        volumes: ['id', 'status', 'attach_status', 'deleted', ...filler('a', 60)],
        volume_attachment: ['id', 'volume_id', 'instance_uuid', 'attach_status', 'deleted', ...filler('b', 40)],
      },
      nova: {
        block_device_mapping: ['id', 'instance_uuid', 'volume_id', 'device_name', 'boot_index', 'deleted', 'deleted_at', ...filler('c', 30)],
        instances: ['uuid', 'host', 'deleted'],
      },
    });
    const err = await detectFlavour(ctx).then(
      () => undefined,
      (e: unknown) => e as UsageError,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message.length).toBeLessThan(800);
    expect(err!.message).toContain('cinder has volumes(attach_status, deleted, id, status, a_extra_column_000, a_extra_column_001, a_extra_column_002, a_extra_column_003, … (56 more))');
    expect(err!.message).toContain('volume_attachment(attach_status, deleted, id, instance_uuid, volume_id, b_extra_column_000, b_extra_column_001, b_extra_column_002, … (37 more))');
    expect(err!.message).toContain('nova has block_device_mapping(boot_index, deleted, deleted_at, device_name, id, instance_uuid, volume_id, c_extra_column_000, … (29 more))');
    expect(err!.message).toContain('no volumes table');
    expect(err!.hint).toMatch(/novaops knows modern Cinder/);
  });
});
