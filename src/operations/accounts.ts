// /etc/passwd and /etc/group as a compute host has them: `name:password:id:...` a line. Only the
// name and the numeric id matter to the uid-gid runbook; a line that does not have them (a NIS
// `+` entry, a broken edit) is reported, never guessed at.

export interface Account {
  name: string;
  id: number;
}

export interface Accounts {
  entries: Account[];
  /** Lines that are neither blank, a comment, nor `name:x:id:...`. */
  rejected: string[];
}

const ENTRY = /^([^:\s]+):[^:]*:(\d{1,10}):/;

export function parseAccounts(text: string): Accounts {
  const entries: Account[] = [];
  const rejected: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    const m = ENTRY.exec(line);
    if (m && Number(m[2]) <= 0xffffffff) entries.push({ name: m[1], id: Number(m[2]) });
    else rejected.push(line);
  }
  return { entries, rejected };
}

export function idOf(accounts: Accounts, name: string): number | undefined {
  return accounts.entries.find((e) => e.name === name)?.id;
}

/** Who holds `id` (every name: two names on one id happen, and matter). */
export function holdersOf(accounts: Accounts, id: number): string[] {
  return accounts.entries.filter((e) => e.id === id).map((e) => e.name);
}
