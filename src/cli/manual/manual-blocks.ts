// What the manual is made of, independent of how it is printed: headings, paragraphs and
// definition lists. roff (novaops.1) and plain text (novaops help) are two renderings of the same
// blocks, so the page and the help cannot say different things.

export interface Definition {
  /** The term as typed: '--method <method>', 'novaops resume [run-id]'. */
  term: string;
  text: string;
}

/** `nested`: a definition list that belongs to the item above it (a command's options). */
export type Block = { kind: 'paragraph'; text: string } | { kind: 'definitions'; items: Definition[]; nested?: boolean };

export interface Section {
  heading: string;
  blocks: Block[];
}

export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
export const definitions = (items: Definition[], nested = false): Block => ({ kind: 'definitions', items, nested });
