// The order in which one host's accounts change ids (within one namespace: uids, or gids). A move
// X→Y may happen only once no account holds Y any more, so that usermod never meets "UID already in
// use" and the chown of X's files never merges them with files some other account still owns as Y.
// A chain (nova 108→112 while libvirt-qemu 112→119) runs back to front; a cycle (a swap, or three
// accounts in a ring) is broken by sending one account through a temporary id first: free on the
// host, outside both the old and the new ids, and owning no file.
//
// The result is a list of rounds: the moves of one round have no id in common (their targets are
// free and none is another's source), so one pass over the files can do them all, and a pass cut
// short can be run again: what it already moved is no longer owned by any source of that round.

export interface IdChange {
  /** The account (user or group name). */
  name: string;
  from: number;
  to: number;
}

export interface IdMove extends IdChange {
  /** `to` is a temporary id; a later round moves the account on to its target. */
  temporary?: true;
}

export interface MoveInputs {
  changes: readonly IdChange[];
  /** Every id some account holds in this namespace on the host now (the changing ones included). */
  held: ReadonlySet<number>;
  /** Ids a temporary must not be: e.g. ids that own files under the covered paths. */
  avoid?: ReadonlySet<number>;
  /** Where temporaries are looked for, in order (default 999 down to 100: system ids, away from the targets offered from 100 up). */
  temporaries?: Iterable<number>;
  /** How many files an account's id owns: the account of a cycle with the fewest is parked, its files are the ones moved twice. */
  files?: (change: IdChange) => number;
}

function* defaultTemporaries(): Iterable<number> {
  for (let id = 999; id >= 100; id--) yield id;
  for (let id = 60000; id < 65534; id++) yield id;
}

export class IdOrderError extends Error {}

export function orderMoves(inputs: MoveInputs): IdMove[][] {
  const pending = inputs.changes.filter((c) => c.from !== c.to).map((c) => ({ ...c }));
  const targets = new Set(pending.map((c) => c.to));
  if (targets.size !== pending.length) throw new IdOrderError(`two accounts cannot both move to one id (${pending.map((c) => `${c.name}→${c.to}`).join(', ')})`);
  const sources = new Set(pending.map((c) => c.from));
  const held = new Set(inputs.held);
  for (const c of pending) {
    if (held.has(c.to) && !sources.has(c.to)) throw new IdOrderError(`${c.to} is held by an account that is not moving; ${c.name} cannot take it`);
  }
  const rounds: IdMove[][] = [];
  const used = new Set([...held, ...targets, ...sources, ...(inputs.avoid ?? [])]);
  while (pending.length > 0) {
    const ready = pending.filter((c) => !held.has(c.to));
    if (ready.length > 0) {
      rounds.push(ready.map((c) => ({ name: c.name, from: c.from, to: c.to })));
      for (const c of ready) {
        held.delete(c.from);
        held.add(c.to);
        pending.splice(pending.indexOf(c), 1);
      }
      continue;
    }
    // Every pending target is held by another pending account: a cycle. Park the account with the
    // fewest files (they move twice), the first one on a tie.
    const files = inputs.files ?? (() => 0);
    const parked = pending.reduce((best, c) => (files(c) < files(best) ? c : best), pending[0]);
    const temporary = pickTemporary(used, inputs.temporaries ?? defaultTemporaries());
    used.add(temporary);
    rounds.push([{ name: parked.name, from: parked.from, to: temporary, temporary: true }]);
    held.delete(parked.from);
    held.add(temporary);
    parked.from = temporary;
  }
  return rounds;
}

function pickTemporary(used: ReadonlySet<number>, candidates: Iterable<number>): number {
  for (const id of candidates) if (id > 0 && !used.has(id)) return id;
  throw new IdOrderError('no free id left to park an account on while the others move');
}

/** Rounds of two namespaces side by side: uids and gids never collide, so round i of each can share one pass. */
export function zipRounds<A, B>(a: readonly A[][], b: readonly B[][]): { uids: A[]; gids: B[] }[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ({ uids: [...(a[i] ?? [])], gids: [...(b[i] ?? [])] }));
}
