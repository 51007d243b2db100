// The manual's blocks as terminal text: a heading, then paragraphs and definition lists wrapped to
// 80 columns and indented as man(1) shows them.
import type { Block, Section } from './manual-blocks.js';

const WIDTH = 80;

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`);
}

function block(b: Block): string[] {
  if (b.kind === 'paragraph') return [...wrap(b.text, 4), ''];
  const at = b.nested ? 8 : 4;
  return b.items.flatMap((item) => [...wrap(item.term, at), ...wrap(item.text, at + 4), '']);
}

export function renderText(sections: Section[]): string {
  return sections.map((s) => [s.heading, ...s.blocks.flatMap(block)].join('\n')).join('\n');
}
