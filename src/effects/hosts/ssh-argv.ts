// The ssh command line. Host keys are always checked strictly and known_hosts is only ever read
// (invariant 11): an unknown or changed key fails the command instead of being trusted.
//
// Through a bastion, the jump is a ProxyCommand running a second ssh with the same options, not
// ssh -J: OpenSSH starts -J's jump connection with none of the -o options of the command line
// (it would check the bastion's key against ~/.ssh/known_hosts, and could ask on a terminal).
import { posixCommand } from '../../operations/posix-quote.js';

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  identityFile?: string;
  knownHostsFile?: string;
  /** The bastion to go through: reached with the same identity, its key checked in the same known_hosts. */
  jump?: { address: string; port: number; user: string };
}

/** One multiplexed connection per target: the master's socket, and how long it outlives its last client. */
export interface SshControl {
  path: string;
  persistS: number;
  /**
   * Where the bastion hop's ssh writes its messages (-E). With ControlPersist, OpenSSH sends a
   * ProxyCommand's stderr to /dev/null (the master outlives the command), which would hide why the
   * bastion refused; the hosts effect reads this file instead.
   */
  jumpLog?: string;
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

/** What every hop is checked with: batch mode, strict host keys, the one known_hosts, the one key. */
function trustOptions(target: SshTarget, connectTimeoutS: number): string[] {
  // UpdateHostKeys would otherwise add keys the server offers to the user's known_hosts.
  const args = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'UpdateHostKeys=no'];
  if (target.knownHostsFile) {
    // The named file is the whole trust: a key in /etc/ssh/ssh_known_hosts must not vouch for the host.
    args.push('-o', `UserKnownHostsFile=${target.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  }
  if (target.identityFile) args.push('-o', 'IdentitiesOnly=yes', '-i', target.identityFile);
  args.push('-o', `ConnectTimeout=${connectTimeoutS}`);
  return args;
}

/**
 * The ProxyCommand that carries the connection through the bastion: `ssh -W [%h]:%p` with the
 * host's trust options, its own connection unshared (the host's master holds it open). ssh expands
 * %-tokens in the whole line before /bin/sh reads it, so a literal % in a path is doubled.
 */
export function proxyCommand(target: SshTarget, connectTimeoutS: number, jumpLog?: string): string | undefined {
  if (!target.jump) return undefined;
  const literal = (arg: string) => arg.replace(/%/g, '%%');
  const argv = [
    'ssh',
    ...trustOptions(target, connectTimeoutS).map(literal),
    ...(jumpLog ? ['-E', literal(jumpLog)] : []),
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-W',
    '[%h]:%p',
    '-p',
    String(target.jump.port),
    literal(`${target.jump.user}@${target.jump.address}`),
  ];
  return posixCommand(argv);
}

function sshOptions(target: SshTarget, opts: { connectTimeoutS?: number; control?: SshControl }): string[] {
  const connectTimeoutS = opts.connectTimeoutS ?? 10;
  const args = ['ssh', ...trustOptions(target, connectTimeoutS)];
  const proxy = proxyCommand(target, connectTimeoutS, opts.control?.jumpLog);
  if (proxy) args.push('-o', `ProxyCommand=${proxy}`);
  if (opts.control) {
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${opts.control.path}`, '-o', `ControlPersist=${opts.control.persistS}`);
  }
  args.push('-p', String(target.port), `${target.user}@${target.address}`);
  return args;
}
