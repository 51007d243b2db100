// Commands on compute hosts (locally for the lab, over ssh for a real cloud) and on guests.
import { ExitCode, NovaopsError } from '../../errors.js';
import { delimiter } from 'node:path';
import type { GuestSsh, HostSpec } from '../../config/types.js';
import { isAddress } from '../../config/validate.js';
import type { HostsEffect } from '../types.js';
import { buildSshArgv } from './ssh-argv.js';
import { runArgv } from './run-argv.js';

export class HostsError extends NovaopsError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super(message, hint, ExitCode.failed);
  }
}

const defaultTimeoutMs = 600_000;

export function createHostsEffect(hosts: Record<string, HostSpec>, guests?: GuestSsh): HostsEffect {
  const connectTimeoutS = (timeoutMs: number) => Math.max(1, Math.min(10, Math.ceil(timeoutMs / 1000)));

  return {
    async run(host, argv, opts = {}) {
      const spec = hosts[host];
      if (!spec) {
        const known = Object.keys(hosts);
        throw new HostsError(
          `unknown host '${host}'; the config knows: ${known.length ? known.join(', ') : 'none'}`,
          'add it under hosts: in the novaops config',
        );
      }
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      if (spec.via === 'local') {
        const path = [...spec.pathPrepend, process.env.PATH ?? ''].filter(Boolean).join(delimiter);
        return runArgv(argv, { env: { ...process.env, ...spec.env, PATH: path }, timeoutMs });
      }
      return runArgv(buildSshArgv(spec, argv, { connectTimeoutS: connectTimeoutS(timeoutMs) }), { timeoutMs });
    },

    async runOnGuest(address, argv, opts = {}) {
      if (!guests) {
        throw new HostsError('no guests: section in the novaops config', 'add guests: { user, identity_file, known_hosts_file } to reach servers over ssh');
      }
      if (!isAddress(address)) {
        throw new HostsError(`guest address '${address}' is neither a host name nor an IP address`, 'check the server addresses');
      }
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      const target = { address, port: guests.port, user: guests.user, identityFile: guests.identityFile, knownHostsFile: guests.knownHostsFile };
      return runArgv(buildSshArgv(target, argv, { connectTimeoutS: connectTimeoutS(timeoutMs) }), { timeoutMs });
    },

    known() {
      return Object.keys(hosts);
    },
  };
}
