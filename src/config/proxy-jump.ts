// A bastion as the config names it, OpenSSH's ProxyJump syntax: [user@]host[:port], an IPv6
// address in brackets ([fd00::1]:2222), or `none` (a host under hosts: reached directly although
// ssh: names a bastion). Pure.
import { showValue } from '../values/show-value.js';
import type { JumpHost } from './types.js';
import { isAddress, ValidationError } from '../values/validate.js';

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const SYNTAX = /^(?:([^@\s]+)@)?(?:\[([^\]\s]+)\]|([^:@\s[\]]+))(?::(\d{1,5}))?$/;

/** undefined for `none`; the host's user when the bastion names none. */
export function parseProxyJump(value: string, what: string, defaultUser: string): JumpHost | undefined {
  if (value === 'none') return undefined;
  const hint = 'give it as user@bastion:port (user and port optional, e.g. ops@bastion.example.com:2222), or none';
  const m = SYNTAX.exec(value);
  if (!m) throw new ValidationError(`${what}: ${showValue(value)} is not [user@]host[:port]`, hint);
  const [, user, bracketed, plain, port] = m;
  const address = bracketed ?? plain;
  if (!isAddress(address)) throw new ValidationError(`${what}: ${showValue(address)} is neither a host name nor an IP address`, hint);
  if (user !== undefined && !USER.test(user)) throw new ValidationError(`${what}: ${showValue(user)} is not a user name`, hint);
  const portNumber = port === undefined ? 22 : Number(port);
  if (portNumber < 1 || portNumber > 65535) throw new ValidationError(`${what}: port ${port} is not between 1 and 65535`, hint);
  return { address, port: portNumber, user: user ?? defaultUser };
}
