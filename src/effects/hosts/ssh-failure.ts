// Why ssh could not run a command, from what OpenSSH prints, and what the operator does about it.
// Pure. Only exit 255 is ssh's own failure; any other exit is the remote command's.
import type { SshTarget } from './ssh-argv.js';
import { timeoutExitCode } from './run-argv.js';

export type SshFailureKind =
  | 'host key mismatch'
  | 'unknown host key'
  | 'connection refused'
  | 'timeout'
  | 'auth refused'
  | 'no route'
  | 'name not resolved'
  | 'forwarding refused'
  | 'ssh failed';

export interface SshFailure {
  kind: SshFailureKind;
  /** Through a bastion: which connection failed, the one to the bastion or the one to the host. */
  hop?: 'bastion' | 'host';
  /** ssh's own words, the line that says it. */
  detail: string;
  fix: string;
}

export const SSH_FAILED = 255;

/**
 * Through a bastion, OpenSSH's words say which hop failed. The bastion's own failures are the
 * ProxyCommand's ssh speaking of the bastion (its key, its port, its login), after which the outer
 * ssh finds the proxy gone before any banner ("kex_exchange_identification: Connection closed",
 * "Connection closed by UNKNOWN port 65535"). When the bastion is reached but cannot reach the host,
 * it answers the forwarding request with "channel 0: open failed: connect failed: <why>" and
 * "stdio forwarding failed". Anything else (the host's key, its login) is the host's hop.
 */
export function classifySshFailure(exitCode: number, stderr: string, target: SshTarget): SshFailure | undefined {
  if (!target.jump) return classifyHop(exitCode, stderr, target);
  const jump = target.jump;
  const bastion = `${jump.user}@${jump.address}:${jump.port}`;
  const opened = /open failed: (?:connect failed: )?(.*)$/m.exec(stderr);
  if (opened || /stdio forwarding failed/.test(stderr)) {
    const why = opened?.[1]?.trim() ?? 'stdio forwarding failed';
    const detail = opened ? `the bastion ${bastion} could not connect: ${why}` : `the bastion ${bastion}: ${why}`;
    if (/administratively prohibited/.test(why)) {
      return { kind: 'forwarding refused', hop: 'bastion', detail, fix: `the bastion ${jump.address} does not let ${jump.user} forward connections: AllowTcpForwarding (and PermitOpen) in its sshd_config must allow ${target.address}:${target.port}` };
    }
    const kind: SshFailureKind = /refused/i.test(why) ? 'connection refused' : /timed out/i.test(why) ? 'timeout' : /No route|unreachable/i.test(why) ? 'no route' : /resolve|not known/i.test(why) ? 'name not resolved' : 'ssh failed';
    return { kind, hop: 'host', detail, fix: `the bastion ${jump.address} was reached, but ${target.address}:${target.port} did not answer it: is sshd running on the host, are the address and port right as the bastion sees them, does a firewall between them drop ssh?` };
  }
  const proxyGone = /kex_exchange_identification: Connection closed|Connection closed by UNKNOWN port 65535/.test(stderr);
  if (proxyGone) {
    const failure = classifyHop(exitCode, stderr, { ...target, address: jump.address, port: jump.port, user: jump.user, jump: undefined });
    return failure && { ...failure, hop: 'bastion', detail: `the bastion ${bastion}: ${failure.detail}` };
  }
  const failure = classifyHop(exitCode, stderr, target);
  return failure && { ...failure, hop: 'host' };
}

function classifyHop(exitCode: number, stderr: string, target: SshTarget): SshFailure | undefined {
  if (exitCode !== SSH_FAILED && exitCode !== timeoutExitCode) return undefined;
  const where = `${target.user}@${target.address}:${target.port}`;
  const known = target.knownHostsFile ?? '~/.ssh/known_hosts';
  const hostKeyName = target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const find = (re: RegExp) => lines.find((l) => re.test(l));
  const line = (re: RegExp) => find(re) ?? lines.at(-1) ?? '';
  if (exitCode === timeoutExitCode || /Connection timed out|Operation timed out|timed out during banner exchange/.test(stderr)) {
    return { kind: 'timeout', detail: line(/timed out|killed after/), fix: `${target.address} does not answer on port ${target.port}: is it powered on, is the address right, does a firewall drop ssh?` };
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    return {
      kind: 'host key mismatch',
      detail: find(/Offending .* key in/) ?? line(/has changed and you have requested strict checking/),
      fix: `the key ${where} offers is not the one ${known} holds for ${hostKeyName}: if the host was reinstalled, check its new key's fingerprint on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and replace the line yourself; otherwise treat it as an attack. novaops never edits known_hosts`,
    };
  }
  if (/No \S+ host key is known for|Host key verification failed/.test(stderr)) {
    return {
      kind: 'unknown host key',
      detail: line(/host key is known for|Host key verification failed/),
      fix: `${known} has no key for ${hostKeyName}: add it after checking its fingerprint on the host's console (ssh-keyscan -p ${target.port} ${target.address} prints it; compare before trusting). novaops never adds keys itself`,
    };
  }
  if (/Connection refused/.test(stderr)) {
    return { kind: 'connection refused', detail: line(/Connection refused/), fix: `nothing listens on ${target.address}:${target.port}: is sshd running there, and is the port right (hosts: or ssh: in the config)?` };
  }
  if (/Permission denied/.test(stderr)) {
    return {
      kind: 'auth refused',
      detail: line(/Permission denied/),
      fix: `${target.address} refused ${target.user}'s key${target.identityFile ? ` ${target.identityFile}` : ''}: its public half must be in ~${target.user}/.ssh/authorized_keys there, and the user must be allowed to log in`,
    };
  }
  if (/No route to host|Network is unreachable/.test(stderr)) {
    return { kind: 'no route', detail: line(/No route to host|Network is unreachable/), fix: `no route to ${target.address}: check the address and the network between this machine and the host` };
  }
  if (/Could not resolve hostname|Name or service not known/.test(stderr)) {
    return { kind: 'name not resolved', detail: line(/resolve|Name or service/), fix: `${target.address} does not resolve: use its IP address, or fix DNS / /etc/hosts` };
  }
  if (exitCode === SSH_FAILED && stderr.trim()) return { kind: 'ssh failed', detail: line(/./), fix: `run ssh -v -p ${target.port} ${where} true by hand to see why` };
  return undefined;
}
