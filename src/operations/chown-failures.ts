// What chown and chgrp say about a file they could not change, one line each:
//   chown: changing ownership of '/var/lib/nova/x': Operation not permitted
//   chgrp: changing group of '/etc/nova/y': Read-only file system
// Names are quoted the way coreutils quotes them for a shell ('a'\''b', or $'...' for control
// characters, ‘…’ in a UTF-8 locale); the plain forms are unquoted, anything else is kept as printed.

export interface ChownFailure {
  path: string;
  reason: string;
}

const LINE = /^(?:chown|chgrp|find): (?:changing ownership of |changing group of |cannot access |cannot dereference )?(.+): ([^:]+)$/;

export function parseChownFailures(stderr: string): ChownFailure[] {
  const out: ChownFailure[] = [];
  for (const line of stderr.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m) out.push({ path: unquote(m[1]), reason: m[2] });
  }
  return out;
}

function unquote(name: string): string {
  if (/^'(?:[^']|'\\'')*'$/.test(name)) return name.slice(1, -1).replace(/'\\''/g, "'");
  // A UTF-8 locale (LANG sent along by ssh) quotes with ‘…’.
  if (/^‘[^’]*’$/.test(name)) return name.slice(1, -1);
  return name;
}

const SHOWN = 20;

/** One line for the item's failure: how many, which (the first ones), and why. */
export function describeChownFailures(stderr: string): string | undefined {
  const failures = parseChownFailures(stderr);
  if (failures.length === 0) return undefined;
  const shown = failures.slice(0, SHOWN).map((f) => `${f.path} (${f.reason})`);
  const more = failures.length > SHOWN ? `, and ${failures.length - SHOWN} more (all in the transcript)` : '';
  return `could not change the owner of ${failures.length} file(s): ${shown.join(', ')}${more}`;
}
