// The order of id moves (src/operations/id-moves.ts): chains run back to front, cycles go through
// one temporary id, and every round can be replayed — no round's target is another's source, and
// no move ever lands on an id an account still holds.
import { describe, expect, it } from 'vitest';
import { orderMoves, zipRounds, IdOrderError, type IdChange, type IdMove } from '../../src/operations/id-moves.js';

/** Plays the rounds on a table of holders, failing the way usermod would ("UID already in use"). */
function play(changes: IdChange[], held: number[], rounds: IdMove[][]): Map<string, number> {
  const holder = new Map<number, string>();
  for (const id of held) holder.set(id, `other-${id}`);
  for (const c of changes) holder.set(c.from, c.name);
  const ids = new Map(changes.map((c) => [c.name, c.from]));
  for (const round of rounds) {
    const targets = round.map((m) => m.to);
    const sources = round.map((m) => m.from);
    expect(targets.filter((t) => sources.includes(t)), 'a round moves onto its own source').toEqual([]);
    for (const m of round) {
      expect(holder.has(m.to), `${m.name} → ${m.to}: already in use by ${holder.get(m.to)}`).toBe(false);
      expect(ids.get(m.name)).toBe(m.from);
      holder.delete(m.from);
      holder.set(m.to, m.name);
      ids.set(m.name, m.to);
    }
  }
  return ids;
}

describe('orderMoves', () => {
  it('nothing to do: no rounds', () => {
    expect(orderMoves({ changes: [{ name: 'nova', from: 112, to: 112 }], held: new Set([112]) })).toEqual([]);
  });

  it('independent moves share one round', () => {
    const changes = [
      { name: 'nova', from: 64060, to: 112 },
      { name: 'libvirt-qemu', from: 64055, to: 119 },
    ];
    const rounds = orderMoves({ changes, held: new Set([0, 100, 64060, 64055]) });
    expect(rounds).toHaveLength(1);
    expect(play(changes, [0, 100], rounds)).toEqual(new Map([['nova', 112], ['libvirt-qemu', 119]]));
  });

  it('a chain runs back to front (nova 108→112 while libvirt-qemu 112→119)', () => {
    const changes = [
      { name: 'nova', from: 108, to: 112 },
      { name: 'libvirt-qemu', from: 112, to: 119 },
    ];
    const rounds = orderMoves({ changes, held: new Set([0, 108, 112]) });
    expect(rounds).toEqual([[{ name: 'libvirt-qemu', from: 112, to: 119 }], [{ name: 'nova', from: 108, to: 112 }]]);
    expect(play(changes, [0], rounds).get('nova')).toBe(112);
  });

  it('a swap goes through one temporary id, free and outside both sets', () => {
    const changes = [
      { name: 'nova', from: 119, to: 112 },
      { name: 'libvirt-qemu', from: 112, to: 119 },
    ];
    const rounds = orderMoves({ changes, held: new Set([0, 999, 112, 119]), avoid: new Set([998]) });
    expect(rounds).toHaveLength(3);
    const temp = rounds[0][0];
    expect(temp).toMatchObject({ name: 'nova', from: 119, temporary: true });
    expect([999, 998, 112, 119]).not.toContain(temp.to);
    expect(temp.to).toBe(997);
    expect(play(changes, [0, 999], rounds)).toEqual(new Map([['nova', 112], ['libvirt-qemu', 119]]));
  });

  it('a swap parks the account whose id owns fewer files: those are the ones moved twice', () => {
    const changes = [
      { name: 'nova', from: 119, to: 112 },
      { name: 'libvirt-qemu', from: 112, to: 119 },
    ];
    const owned = new Map([[119, 60_000], [112, 25_000]]);
    const rounds = orderMoves({ changes, held: new Set([112, 119]), files: (c) => owned.get(c.from) ?? 0 });
    expect(rounds[0]).toEqual([{ name: 'libvirt-qemu', from: 112, to: 999, temporary: true }]);
    expect(rounds.slice(1)).toEqual([[{ name: 'nova', from: 119, to: 112 }], [{ name: 'libvirt-qemu', from: 999, to: 119 }]]);
    expect(play(changes, [], rounds)).toEqual(new Map([['nova', 112], ['libvirt-qemu', 119]]));
  });

  it('a cycle of three takes four rounds and ends with every account on its target', () => {
    const changes = [
      { name: 'a', from: 101, to: 102 },
      { name: 'b', from: 102, to: 103 },
      { name: 'c', from: 103, to: 101 },
    ];
    const rounds = orderMoves({ changes, held: new Set([101, 102, 103]) });
    expect(rounds).toHaveLength(4);
    expect(rounds.flat().filter((m) => m.temporary)).toHaveLength(1);
    expect(play(changes, [], rounds)).toEqual(new Map([['a', 102], ['b', 103], ['c', 101]]));
  });

  it('refuses a target held by an account that does not move, and two accounts on one target', () => {
    expect(() => orderMoves({ changes: [{ name: 'nova', from: 108, to: 101 }], held: new Set([101, 108]) })).toThrow(IdOrderError);
    expect(() =>
      orderMoves({
        changes: [
          { name: 'a', from: 1, to: 5 },
          { name: 'b', from: 2, to: 5 },
        ],
        held: new Set([1, 2]),
      }),
    ).toThrow(/two accounts/);
  });

  it('zipRounds pairs the uid and gid rounds by index', () => {
    expect(zipRounds([[1], [2]], [['a']])).toEqual([
      { uids: [1], gids: ['a'] },
      { uids: [2], gids: [] },
    ]);
  });
});
