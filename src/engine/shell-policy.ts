// Shell commands the engine refuses whoever builds them (invariant 9): an iscsiadm logout that
// does not name exactly one session closes every session on the host.
import { EngineRuleError } from './errors.js';

export function assertShellAllowed(argv: readonly string[]): void {
  const program = argv[0]?.split('/').pop();
  if (program !== 'iscsiadm') return;
  const logsOut = argv.some((a) => a === '-u' || a === '--logout' || a === '--logoutall' || a.startsWith('--logoutall='));
  if (!logsOut) return;
  if (argv.some((a) => a.startsWith('--logoutall'))) {
    throw new EngineRuleError(`refused: "${argv.join(' ')}" logs out of every iSCSI session`);
  }
  const sessionIds = argv.flatMap((a, i) => {
    if ((a === '-r' || a === '--sid') && argv[i + 1] !== undefined) return [argv[i + 1]];
    const m = /^--sid=(.+)$/.exec(a);
    return m ? [m[1]] : [];
  });
  if (sessionIds.length !== 1 || !/^[1-9][0-9]*$/.test(sessionIds[0] ?? '')) {
    throw new EngineRuleError(
      `refused: "${argv.join(' ')}" must name exactly one session with -r N; without it iscsiadm closes all sessions`,
    );
  }
}
