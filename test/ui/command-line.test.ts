// The home's `:` command line: what it accepts, what a typo says, what Tab completes.
import { describe, expect, test } from 'vitest';
import { catalogue } from '../../runbooks/index.js';
import { candidates, completeCommand, parseCommand } from '../../src/ui/home/command-line.js';

const ids = catalogue.map((r) => r.id);
const runIds = ['20261207-101010-drp-ab12', '20261207-111111-drp-cd34'];

describe('the home command line', () => {
  test('opens a runbook, resumes, lists transcripts, quits', () => {
    expect(parseCommand('drp', ids)).toEqual({ kind: 'runbook', id: 'drp' });
    expect(parseCommand(':failed-node', ids)).toEqual({ kind: 'runbook', id: 'failed-node' });
    expect(parseCommand('resume', ids)).toEqual({ kind: 'resume', runId: undefined });
    expect(parseCommand('resume 20261207-101010-drp-ab12', ids)).toEqual({ kind: 'resume', runId: '20261207-101010-drp-ab12' });
    expect(parseCommand('transcripts', ids)).toEqual({ kind: 'transcripts' });
    expect(parseCommand('q', ids)).toEqual({ kind: 'quit' });
    expect(parseCommand('  ', ids)).toEqual({ kind: 'none' });
  });

  test('a typo says so and lists what is accepted', () => {
    const typo = parseCommand('dpr', ids);
    expect(typo.kind).toBe('unknown');
    expect(typo.kind === 'unknown' && typo.message).toBe(`unknown command ":dpr"; accepted: ${ids.map((id) => `:${id}`).join(' ')} :resume [<run-id>] :transcripts :q`);
    expect(parseCommand('drp now', ids).kind).toBe('unknown');
  });

  test('Tab completes runbook ids, command words and run ids after resume', () => {
    expect(completeCommand('fail', ids, runIds)).toBe('failed-node');
    expect(completeCommand('d', ids, runIds)).toBe('drp');
    expect(completeCommand('tr', ids, runIds)).toBe('transcripts');
    expect(completeCommand('res', ids, runIds)).toBe('res'); // reset-state and resume share only "res"
    expect(candidates('res', ids, runIds)).toEqual(['reset-state', 'resume']);
    expect(completeCommand('resu', ids, runIds)).toBe('resume ');
    expect(completeCommand('resume ', ids, runIds)).toBe('resume 20261207-1');
    expect(completeCommand('resume 20261207-11', ids, runIds)).toBe('resume 20261207-111111-drp-cd34');
    expect(completeCommand('zzz', ids, runIds)).toBe('zzz');
  });
});
