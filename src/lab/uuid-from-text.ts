// Stable uuids from text (a version-5 layout over SHA-1): the same scenario makes the same ids.
import { createHash } from 'node:crypto';

/** A stable uuid from a text (a compute node's, a service's): same lab, same ids. */
export function uuidFromText(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
