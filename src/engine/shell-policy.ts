// Shell commands the engine refuses whoever builds them (invariant 9): an iscsiadm logout that
// does not name exactly one session closes every session on the host. The check sees through
// wrappers (sh -c, env, timeout, sudo): every iscsiadm invocation anywhere in the command line is
// checked on its own, up to the next one.
import { EngineRuleError } from './errors.js';

const SEPARATOR = ';';

export function assertShellAllowed(argv: readonly string[]): void {
  // Words of the arguments and of any script among them: quotes split words, and a shell
  // separator (; & | ( ) newline) ends the command before it.
  const words = argv
    .flatMap((a) => a.replace(/[;&|()\n]+/g, ` ${SEPARATOR} `).split(/[\s'"`]+/))
    .filter((w) => w !== '');
  words.forEach((word, start) => {
    if (word.split('/').pop() !== 'iscsiadm') return;
    const end = words.findIndex((w, i) => i > start && (w === SEPARATOR || w.split('/').pop() === 'iscsiadm'));
    checkIscsiadm(words.slice(start, end < 0 ? words.length : end), argv);
  });
}

function checkIscsiadm(invocation: readonly string[], argv: readonly string[]): void {
  const logsOut = invocation.some((a) => a === '-u' || a === '--logout' || a.startsWith('--logoutall'));
  if (!logsOut) return;
  if (invocation.some((a) => a.startsWith('--logoutall'))) {
    throw new EngineRuleError(`refused: "${argv.join(' ')}" logs out of every iSCSI session`);
  }
  const sessionIds = invocation.flatMap((a, i) => {
    if ((a === '-r' || a === '--sid') && invocation[i + 1] !== undefined) return [invocation[i + 1]];
    const m = /^--sid=(.+)$/.exec(a);
    return m ? [m[1]] : [];
  });
  if (sessionIds.length !== 1 || !/^[1-9][0-9]*$/.test(sessionIds[0] ?? '')) {
    throw new EngineRuleError(
      `refused: "${argv.join(' ')}" must name exactly one session with -r N; without it iscsiadm closes all sessions`,
    );
  }
}
