// Long text laid out as terminal lines, so that a scrolled view knows its height.

/** Word-wraps `text` to `width` columns; continuation lines get `indent`. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const room = Math.max(10, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/(\s+)/)) {
      if (line.length + word.length <= room) {
        line += word;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = indent + word.trimStart();
      while (line.length > room) {
        out.push(line.slice(0, room));
        line = indent + line.slice(room);
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

/** Cuts a line to `width` columns, marking the cut. */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
