// POSIX single-quote quoting, for command lines that a shell other than bash may read: the remote
// side of ssh (a guest's login shell may be dash or ash) and the commands shown to operators.
// zx's own quote() emits bash-only $'...' strings, fine locally but not on an unknown remote shell.
export function posixQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(arg) && !arg.startsWith('=')) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function posixCommand(argv: readonly string[]): string {
  return argv.map(posixQuote).join(' ');
}
