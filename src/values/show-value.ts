// How bad input is echoed back: enough to recognise it, never a wall of text. A 10,000-character
// argument or a schema's whole column list in an error buries the one line the operator needs.

const LIMIT = 100;

/** The value quoted, cut to about 100 characters with the full length said. */
export function showValue(value: unknown, limit = LIMIT): string {
  const text = typeof value === 'string' ? value : String(value);
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (printable.length <= limit) return `'${printable}'`;
  return `'${printable.slice(0, limit)}…' (${text.length} characters)`;
}

/** A list cut to its first few entries, with how many were left out. */
export function showList(values: readonly string[], max = 8): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown}, … (${values.length - max} more)` : shown;
}
