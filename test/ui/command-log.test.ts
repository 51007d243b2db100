// The run screen's command log: fed the engine's operation events, bounded for a long run.
import { describe, expect, test } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { CommandLog } from '../../src/ui/run/command-log.js';
import { commandLines } from '../../src/ui/run/command-log-view.js';

const ts = '2026-01-01T00:00:00.000Z';
const start = (opId: string, command: string): EngineEvent => ({ type: 'op.start', ts, seq: 0, step: 'reboot', item: `reboot:${opId}`, opId, summary: 'hard reboot', command, mutating: true });
const end = (opId: string, ok: boolean, extra: Partial<Extract<EngineEvent, { type: 'op.end' }>> = {}): EngineEvent => ({ type: 'op.end', ts, seq: 0, step: 'reboot', item: `reboot:${opId}`, opId, ok, durationMs: 420, ...extra });
const same = (text: string) => text;

describe('command log', () => {
  test('each command runs, then ends ok or failed with its HTTP status or exit code and duration', () => {
    const log = new CommandLog();
    log.apply({ type: 'op.planned', ts, seq: 0, step: 'cleanup', item: null, opId: 's1', op: { kind: 'shell', summary: 'sessions', command: 'iscsiadm -m session', mutating: false, target: {}, host: 'compute1' } } as EngineEvent, same);
    log.apply({ ...start('s1', 'iscsiadm -m session'), step: 'cleanup', item: null } as EngineEvent, same);
    log.apply(start('a', 'openstack server reboot --hard web-1'), same);
    expect(log.at(1)).toMatchObject({ status: 'running', command: 'openstack server reboot --hard web-1' });
    log.apply(end('a', false, { status: 409, error: 'Conflict' }), same);
    log.apply({ ...end('s1', true, { exitCode: 0 }), step: 'cleanup', item: null } as EngineEvent, same);
    expect(commandLines(log.at(0)!, 80)).toEqual(['✔ ok exit 0       420 ms  cleanup', '  $ [compute1] iscsiadm -m session']);
    expect(commandLines(log.at(1)!, 80)).toEqual(['✘ FAILED HTTP 409  420 ms  reboot · reboot:a', '  $ openstack server reboot --hard web-1', '    ! Conflict']);
  });

  test('a long run keeps its last commands only, and still counts them all', () => {
    const log = new CommandLog(100);
    for (let i = 0; i < 1_000; i++) {
      log.apply(start(`op${i}`, `openstack server reboot --hard vm-${i}`), same);
      log.apply(end(`op${i}`, true, { status: 202 }), same);
    }
    expect(log.total).toBe(1_000);
    expect(log.size).toBe(100);
    expect(log.at(0)).toMatchObject({ n: 901, command: 'openstack server reboot --hard vm-900', status: 'ok', httpStatus: 202 });
    expect(log.at(99)).toMatchObject({ n: 1_000 });
    expect(log.at(100)).toBeUndefined();
  });

  test('secrets are redacted as the rest of the screen is', () => {
    const log = new CommandLog();
    log.apply(start('x', 'mysql --password=hunter2 nova'), (t) => t.replace('hunter2', '***'));
    expect(log.at(0)!.command).toBe('mysql --password=*** nova');
  });
});
