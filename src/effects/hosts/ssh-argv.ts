// The ssh command line. Host keys are always checked strictly and known_hosts is only ever read
// (invariant 11): an unknown or changed key fails the command instead of being trusted.
import { posixCommand } from '../../operations/posix-quote.js';

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  identityFile?: string;
  knownHostsFile?: string;
}

export function buildSshArgv(target: SshTarget, argv: readonly string[], opts: { connectTimeoutS?: number } = {}): string[] {
  const args = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
  if (target.knownHostsFile) args.push('-o', `UserKnownHostsFile=${target.knownHostsFile}`);
  if (target.identityFile) args.push('-o', 'IdentitiesOnly=yes', '-i', target.identityFile);
  args.push('-o', `ConnectTimeout=${opts.connectTimeoutS ?? 10}`);
  args.push('-p', String(target.port), `${target.user}@${target.address}`, '--');
  // ssh joins the remaining words with spaces for the remote shell, so each is quoted for it.
  args.push(posixCommand(argv));
  return args;
}
