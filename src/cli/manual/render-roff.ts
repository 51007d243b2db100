// The manual's blocks as man(7) roff. Written by hand rather than through a converter: the page is
// small and its escaping is what matters (a leading dot, a backslash, a minus in an option).
import type { Block, Section } from './manual-blocks.js';

/** Text for a roff text line: escapes, ASCII minus for options, groff glyph names for the rest. */
export function roffText(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/'/g, "\\(aq")
    .replace(/`/g, '\\(ga')
    .replace(/[^\x20-\x7e]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
  // A line starting with a dot or an apostrophe would be read as a request.
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

function block(b: Block): string[] {
  if (b.kind === 'paragraph') return ['.PP', roffText(b.text)];
  const items = b.items.flatMap((item) => ['.TP', `\\fB${roffText(item.term)}\\fR`, roffText(item.text)]);
  return b.nested ? ['.RS', ...items, '.RE'] : items;
}

/** .SH for a top-level section, .SS for one inside (a runbook under RUNBOOKS). */
export function renderRoff(section: Section, level: 'SH' | 'SS'): string[] {
  return [`.${level} ${roffText(section.heading)}`, ...section.blocks.flatMap(block)];
}
