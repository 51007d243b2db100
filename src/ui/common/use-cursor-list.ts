import { useEffect, useState } from 'react';
import { useInput } from 'ink';

/** The highlighted row of a list of `count`, moved by ↑↓ (and k/j). */
export function useCursorList(count: number, isActive: boolean): number {
  const [cursor, setCursor] = useState(0);
  useEffect(() => setCursor((c) => Math.max(0, Math.min(c, count - 1))), [count]);
  useInput(
    (input, key) => {
      if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
      if (key.downArrow || input === 'j') setCursor((c) => Math.min(count - 1, c + 1));
    },
    { isActive },
  );
  return cursor;
}
