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

/** One multiplexed connection per target: the master's socket, and how long it outlives its last client. */
export interface SshControl {
  path: string;
  persistS: number;
}

export function buildSshArgv(
  target: SshTarget,
  argv: readonly string[],
  opts: { connectTimeoutS?: number; control?: SshControl } = {},
): string[] {
  return [...sshOptions(target, opts), '--', posixCommand(argv)];
}

/** `ssh -O exit` for the master of this target, if one runs. */
export function buildSshExitArgv(target: SshTarget, control: SshControl): string[] {
  return ['ssh', '-O', 'exit', '-o', `ControlPath=${control.path}`, '-p', String(target.port), `${target.user}@${target.address}`];
}

function sshOptions(target: SshTarget, opts: { connectTimeoutS?: number; control?: SshControl }): string[] {
  // UpdateHostKeys would otherwise add keys the server offers to the user's known_hosts.
  const args = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'UpdateHostKeys=no'];
  if (target.knownHostsFile) {
    // The named file is the whole trust: a key in /etc/ssh/ssh_known_hosts must not vouch for the host.
    args.push('-o', `UserKnownHostsFile=${target.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  }
  if (target.identityFile) args.push('-o', 'IdentitiesOnly=yes', '-i', target.identityFile);
  args.push('-o', `ConnectTimeout=${opts.connectTimeoutS ?? 10}`);
  if (opts.control) {
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${opts.control.path}`, '-o', `ControlPersist=${opts.control.persistS}`);
  }
  args.push('-p', String(target.port), `${target.user}@${target.address}`);
  return args;
}
