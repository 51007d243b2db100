// Commands on compute hosts (locally for the lab, over ssh for a real cloud) and on guests.
// Over ssh, one multiplexed connection per host serves every command of the effects object.
import { ExitCode, NovaopsError } from '../../errors.js';
import { readFile, rm } from 'node:fs/promises';
import { delimiter } from 'node:path';
import type { GuestSsh, HostSpec } from '../../config/types.js';
import { isAddress } from '../../values/validate.js';
import type { DiscoveredHosts, HostsEffect, RunOptions, ShellResult } from '../types.js';
import { hostCommandVerdict } from '../retry-policy.js';
import { classifySshFailure, SSH_FAILED } from './ssh-failure.js';
import { buildSshArgv, buildSshExitArgv, type SshTarget } from './ssh-argv.js';
import { controlDir } from './ssh-control.js';
import { runArgv, timeoutExitCode } from './run-argv.js';

export class HostsError extends NovaopsError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.failed);
  }
}

const defaultTimeoutMs = 600_000;

/** The failure a retry notice names: a hung command, or a dropped link. */
function failureOf(result: ShellResult): string {
  return result.exitCode === timeoutExitCode ? `the command hung (${result.stderr.trim().split('\n').at(-1)})` : 'the connection dropped';
}

/**
 * ssh's own failure gets a last line saying which kind it is and what to do: the line a failed
 * operation shows (a refused host key reads as that, not as "exit 255").
 */
function explained(result: ShellResult, target: SshTarget): ShellResult {
  if (result.exitCode !== SSH_FAILED) return result;
  const failure = classifySshFailure(result.exitCode, result.stderr, target);
  if (!failure) return result;
  const sep = result.stderr === '' || result.stderr.endsWith('\n') ? '' : '\n';
  const via = target.jump ? ` through the bastion ${target.jump.user}@${target.jump.address}:${target.jump.port}` : '';
  const hop = failure.hop ? `${failure.hop === 'bastion' ? 'the bastion' : 'the host'} failed: ` : '';
  return { ...result, stderr: `${result.stderr}${sep}novaops: ssh to ${target.user}@${target.address}:${target.port}${via}: ${hop}${failure.kind} (${failure.detail}); ${failure.fix}\n` };
}

/** ssh's own failure through a bastion: what the bastion hop's ssh said comes first (and is consumed). */
async function withJumpLog(result: ShellResult, target: SshTarget, jumpLog: string | undefined): Promise<ShellResult> {
  if (result.exitCode !== SSH_FAILED || !target.jump || !jumpLog) return result;
  const said = await readFile(jumpLog, 'utf8').catch(() => '');
  await rm(jumpLog, { force: true });
  return said ? { ...result, stderr: `${said}${said.endsWith('\n') ? '' : '\n'}${result.stderr}` } : result;
}

export interface HostsEffectOptions {
  guests?: GuestSsh;
  /** Finds the compute hosts when the config names none (the Compute API's hypervisors). */
  discover?: () => Promise<DiscoveredHosts>;
  env?: NodeJS.ProcessEnv;
}

export function createHostsEffect(configured: Record<string, HostSpec>, opts: HostsEffectOptions = {}): HostsEffect {
  const hosts: Record<string, HostSpec> = { ...configured };
  const connectTimeoutS = (timeoutMs: number) => Math.max(1, Math.min(10, Math.ceil(timeoutMs / 1000)));
  const control = controlDir(opts.env);
  /** Targets that may have a master running, by control key. */
  const opened = new Map<string, SshTarget>();
  /** The first command to a target, which becomes its master: later ones wait for it, or each would open its own connection. */
  const first = new Map<string, Promise<unknown>>();
  let discovery: DiscoveredHosts | undefined;
  let closed = false;

  /**
   * A read-only command whose connection dropped, or that hung until its timeout, is run once
   * more, on a new master (the old one is ended: it may be the connection that died). A mutating
   * one is returned as it is: it may have run, and the engine resolves it by reading (retry-policy.ts).
   */
  async function overSsh(key: string, target: SshTarget, argv: string[], timeoutMs: number, runOpts: RunOptions) {
    const result = await overSshOnce(key, target, argv, timeoutMs);
    if (hostCommandVerdict(runOpts.mutating !== false, result.exitCode, result.stderr) !== 'retry') return result;
    runOpts.observe?.({ failure: `ssh to ${target.address}: ${failureOf(result)}`, attempt: 2, maxAttempts: 2, waitMs: 0 });
    await runArgv(buildSshExitArgv(target, control.forKey(key)), { timeoutMs: 10_000 }).catch(() => undefined);
    first.delete(key);
    return overSshOnce(key, target, argv, timeoutMs);
  }

  async function overSshOnce(key: string, target: SshTarget, argv: string[], timeoutMs: number) {
    if (closed) throw new HostsError('the host connections are closed', 'this is a bug: a command was run after the run ended');
    const ctl = control.forKey(key);
    opened.set(key, target);
    const run = () =>
      runArgv(buildSshArgv(target, argv, { connectTimeoutS: connectTimeoutS(timeoutMs), control: ctl }), { timeoutMs })
        .then((r) => withJumpLog(r, target, ctl.jumpLog))
        .then((r) => explained(r, target));
    const pending = first.get(key);
    if (pending) {
      await pending.catch(() => undefined);
      return run();
    }
    const result = run();
    first.set(key, result);
    return result;
  }

  return {
    async run(host, argv, runOpts = {}) {
      const spec = hosts[host];
      if (!spec) {
        const known = Object.keys(hosts);
        const why = discovery?.error ? `; finding them through the Compute API failed: ${discovery.error}` : '';
        throw new HostsError(
          `unknown host '${host}'; the config knows: ${known.length ? known.join(', ') : 'none'}${why}`,
          'add it under hosts: in the novaops config',
        );
      }
      const timeoutMs = runOpts.timeoutMs ?? defaultTimeoutMs;
      if (spec.via === 'local') {
        const path = [...spec.pathPrepend, process.env.PATH ?? ''].filter(Boolean).join(delimiter);
        const once = () => runArgv(argv, { env: { ...process.env, ...spec.env, PATH: path }, timeoutMs });
        // The same rule as over ssh: a local spec may itself reach the host (a wrapper on its PATH).
        const result = await once();
        if (hostCommandVerdict(runOpts.mutating !== false, result.exitCode, result.stderr) !== 'retry') return result;
        runOpts.observe?.({ failure: `${host}: ${failureOf(result)}`, attempt: 2, maxAttempts: 2, waitMs: 0 });
        return once();
      }
      return overSsh(`host:${host}`, spec, argv, timeoutMs, runOpts);
    },

    async runOnGuest(address, argv, runOpts = {}) {
      const guests = opts.guests;
      if (!guests) {
        throw new HostsError('no guests: section in the novaops config', 'add guests: { user, identity_file, known_hosts_file } to reach servers over ssh');
      }
      if (!isAddress(address)) {
        throw new HostsError(`guest address '${address}' is neither a host name nor an IP address`, 'check the server addresses');
      }
      const timeoutMs = runOpts.timeoutMs ?? defaultTimeoutMs;
      const target = { address, port: guests.port, user: guests.user, identityFile: guests.identityFile, knownHostsFile: guests.knownHostsFile };
      return overSsh('guests', target, argv, timeoutMs, runOpts);
    },

    known() {
      return Object.keys(hosts);
    },

    spec(host) {
      return hosts[host];
    },

    async discover() {
      if (discovery) return discovery;
      if (!opts.discover || Object.keys(configured).length > 0) return (discovery = { hosts: {}, skipped: [] });
      try {
        discovery = await opts.discover();
      } catch (error) {
        discovery = { hosts: {}, skipped: [], error: error instanceof Error ? error.message : String(error) };
      }
      for (const [name, spec] of Object.entries(discovery.hosts)) hosts[name] ??= spec;
      return discovery;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...first.values()].map((p) => p.catch(() => undefined)));
      // A master that never started answers "No such file" here: nothing to end.
      await Promise.all([...opened].map(([key, target]) => runArgv(buildSshExitArgv(target, control.forKey(key)), { timeoutMs: 10_000 }).catch(() => undefined)));
      control.remove();
    },
  };
}
