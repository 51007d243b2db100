// A real OpenSSH server on loopback for the ssh tests. By default its ForceCommand only RECORDS the
// command a client asked for (with the address it was asked on) and exits 0, so `shutdown -r now`
// sent to it is written to a log, never executed. With `execute`, it runs what it is asked, with
// PATH starting at the given directories (a lab host's bin: its iscsiadm and device stubs), so a
// lab host is reached over real ssh. Keys, config, pid file and log live in a temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../../src/lab/index.js';

export const SSHD_BIN = '/usr/sbin/sshd';

function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const sshdAvailable = existsSync(SSHD_BIN) && haveTool('ssh') && haveTool('ssh-keygen');
export const sshdSkipReason = sshdAvailable
  ? ''
  : `skipped: ${SSHD_BIN} (or ssh / ssh-keygen) is missing; bin/setup installs openssh-server (apt-get install -y openssh-server)`;

export interface RecordedCommand {
  /** The address the client connected to (the server side of SSH_CONNECTION). */
  server: string;
  user: string;
  command: string;
}

/** One TCP connection sshd accepted (LogLevel VERBOSE: "Connection from C port P on S port Q"). */
export interface AcceptedConnection {
  client: string;
  server: string;
}

export interface TestSshd {
  dir: string;
  port: number;
  user: string;
  /** Client private key whose public half is in the server's authorized_keys. */
  identityFile: string;
  /** The server's host public key: "ssh-ed25519 AAAA...". */
  hostPublicKey: string;
  /** A different key of the same type, for a known_hosts that names the wrong key. */
  otherPublicKey: string;
  /** A known_hosts line for this server at `address` (bracketed with the port). */
  knownHostsLine(address: string, key?: string): string;
  /** Every command the server was asked to run, in order (recording mode only). */
  commands(): Promise<RecordedCommand[]>;
  /** Every connection accepted so far, in order. */
  connections(): AcceptedConnection[];
  /** What sshd logged so far. */
  log(): string;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export interface SshdOptions {
  /** Loopback addresses to listen on besides 127.0.0.1. */
  listen?: string[];
  /** Listen on these addresses only (not 127.0.0.1): servers sharing a port, one per address. */
  listenOnly?: string[];
  /** A port already chosen (e.g. the ssh: port every discovered host shares); default: a free one. */
  port?: number;
  /** Run commands instead of recording them, with these directories first on PATH. */
  execute?: { pathPrepend: string[] };
  /** Let clients forward connections (ssh -W): a bastion. Off otherwise. */
  forwarding?: boolean;
  /** Authorize this client key (another server's identityFile) instead of a new one: one key for a bastion and its hosts. */
  identityFile?: string;
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-sshd-'));
  const home = path.join(dir, 'home');
  await mkdir(home, { mode: 0o700 });
  const port = opts.port ?? (await freeLoopbackPort());
  const user = os.userInfo().username;
  const listen = opts.listenOnly ?? [...new Set(['127.0.0.1', ...(opts.listen ?? [])])];
  for (const a of listen) if (!a.startsWith('127.')) throw new Error(`test sshd listens on loopback only, not ${a}`);

  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const otherKey = path.join(dir, 'other_host_ed25519_key');
  const identityFile = opts.identityFile ?? path.join(dir, 'id_ed25519');
  keygen(hostKey, 'novaops-test-host');
  keygen(otherKey, 'novaops-test-other-host');
  if (!opts.identityFile) keygen(identityFile, 'novaops-test-client');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${identityFile}.pub`, 'utf8'), { mode: 0o600 });

  const log = path.join(dir, 'commands.log');
  const recorder = path.join(dir, 'record-command.sh');
  // Runs instead of whatever the client asked for: one line "server-address<TAB>user<TAB>command".
  await writeFile(
    recorder,
    ['#!/bin/sh', 'set -- $SSH_CONNECTION', `printf '%s\\t%s\\t%s\\n' "$3" "$(id -un)" "$SSH_ORIGINAL_COMMAND" >> '${log}'`, 'exit 0', ''].join('\n'),
  );
  await chmod(recorder, 0o755);

  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      ...listen.map((a) => `ListenAddress ${a}`),
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${user}`,
      `AllowTcpForwarding ${opts.forwarding ? 'yes' : 'no'}`,
      'X11Forwarding no',
      'PermitTTY no',
      // Sessions start in an empty HOME of their own: the login shell then reads no dotfiles of the
      // machine's user (a pyenv init in root's .bashrc costs half a second a session, which set the
      // pace of every ssh test instead of novaops). sshd takes the first SetEnv line: one line for all.
      `SetEnv HOME=${home}${opts.execute ? ` PATH=${[...opts.execute.pathPrepend, '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':')}` : ''}`,
      ...(opts.execute ? [] : [`ForceCommand ${recorder}`]),
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  // sshd's privilege separation directory; packaged sshd refuses to start without it.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  const child: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => finish(new Error(`sshd did not start in 10 s:\n${stderr}`)), 10_000);
      const listening = () => listen.every((a) => stderr.includes(`Server listening on ${a} port ${port}`));
      const onData = () => {
        if (listening()) finish();
      };
      const onExit = (code: number | null) => finish(new Error(`sshd exited (${code}) before listening:\n${stderr}`));
      const finish = (error?: Error) => {
        clearTimeout(deadline);
        child.stderr!.off('data', onData);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
      onData();
    });
  } catch (error) {
    // Never started: nothing will call stop(), so its keys and config go now.
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const pub = async (file: string) => (await readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const hostPublicKey = await pub(hostKey);
  const otherPublicKey = await pub(otherKey);

  return {
    dir,
    port,
    user,
    identityFile,
    hostPublicKey,
    otherPublicKey,
    knownHostsLine: (address, key = hostPublicKey) => `[${address}]:${port} ${key}\n`,
    log: () => stderr,
    connections() {
      return [...stderr.matchAll(/^Connection from (\S+) port \d+ on (\S+) port \d+/gm)].map((m) => ({ client: m[1], server: m[2] }));
    },
    async commands() {
      if (!existsSync(log)) return [];
      return (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [server, who, ...rest] = line.split('\t');
          return { server, user: who, command: rest.join('\t') };
        });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
