// Input primitives (invariant 10): every id, host name and IQN an operator types is checked here
// before anything runs. Pure; the CLI composes them into its own messages. A bad value is echoed
// cut to about 100 characters (showValue), never whole.
import { z } from 'zod';
import { ExitCode, NovaopsError } from '../errors.js';
import { showValue } from './show-value.js';

/** A value the operator typed that is not what it must be: exit 2. */
export class ValidationError extends NovaopsError {
  /** hint: what to do, when the caller knows better than "give a valid value". */
  constructor(message: string, hint?: string) {
    super(message, hint, ExitCode.usage);
  }
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 1123: labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen.
const labelRe = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
// RFC 3720: iqn.YYYY-MM.reversed.domain[:unique-id]; RFC 3722 allows only letters, digits, '-', '.'
// and ':' in the unique part (ASCII), so a quote, ';' or '$(' is refused here, not by iscsiadm later.
const iqnRe = /^iqn\.\d{4}-(0[1-9]|1[0-2])\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[a-z0-9.:-]+)?$/i;

export const uuidSchema = z.string().regex(uuidRe);
export const hostNameSchema = z
  .string()
  .max(253)
  .refine((s) => s.split('.').every((l) => labelRe.test(l)));
export const iqnSchema = z.string().max(223).regex(iqnRe);
export const positiveIntSchema = z.string().regex(/^[1-9]\d{0,9}$/);
export const numericIdSchema = z.string().regex(/^(0|[1-9]\d{0,18})$/);

export function isUuid(value: string): boolean {
  return uuidSchema.safeParse(value).success;
}
export function isHostName(value: string): boolean {
  return hostNameSchema.safeParse(value).success;
}
export function isIqn(value: string): boolean {
  return iqnSchema.safeParse(value).success;
}
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
export function isIpv6(value: string): boolean {
  return z.ipv6().safeParse(value).success;
}
/** A host name or an IP address: what may follow `user@` on an ssh command line. */
export function isAddress(value: string): boolean {
  return isIpv4(value) || isIpv6(value) || isHostName(value);
}
export function isSessionId(value: string | number): boolean {
  return positiveIntSchema.safeParse(String(value)).success;
}
export function isNumericId(value: string | number): boolean {
  return numericIdSchema.safeParse(String(value)).success;
}

export function parseUuid(value: string, what: string): string {
  if (!isUuid(value)) throw new ValidationError(`${what}: ${showValue(value)} is not a UUID`);
  return value.toLowerCase();
}
export function parseHostName(value: string, what: string): string {
  if (!isHostName(value)) {
    throw new ValidationError(`${what}: ${showValue(value)} is not a valid host name (letters, digits, hyphens, dots)`);
  }
  return value;
}
export function parseAddress(value: string, what: string): string {
  if (!isAddress(value)) throw new ValidationError(`${what}: ${showValue(value)} is neither a host name nor an IP address`);
  return value;
}
export function parseIqn(value: string, what: string): string {
  if (!isIqn(value)) {
    throw new ValidationError(`${what}: ${showValue(value)} is not an iSCSI qualified name (iqn.YYYY-MM.reversed.domain[:id])`);
  }
  return value;
}
export function parseSessionId(value: string | number, what: string): number {
  if (!isSessionId(value)) throw new ValidationError(`${what}: ${showValue(value)} is not an iSCSI session id (a positive integer)`);
  return Number(value);
}
export function parseNumericId(value: string | number, what: string): number {
  if (!isNumericId(value) || !Number.isSafeInteger(Number(value))) {
    throw new ValidationError(`${what}: ${showValue(value)} is not a numeric id`);
  }
  return Number(value);
}
