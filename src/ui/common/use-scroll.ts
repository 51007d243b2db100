import { useEffect, useRef, useState } from 'react';
import { useInput } from 'ink';

/**
 * A scroll offset over `total` lines shown `height` at a time, moved by ↑↓, PgUp/PgDn, g/G. With
 * `follow`, a view scrolled to its end stays at the end as lines arrive (a log being written).
 */
export function useScroll(total: number, height: number, isActive: boolean, startAtEnd = false, follow = false): number {
  const max = Math.max(0, total - height);
  const [offset, setOffset] = useState(startAtEnd ? max : 0);
  const previousMax = useRef(max);
  useEffect(() => {
    const before = previousMax.current;
    previousMax.current = max;
    setOffset((o) => (follow && o >= before ? max : Math.min(o, max)));
  }, [max, follow]);
  useInput(
    (input, key) => {
      const page = Math.max(1, height - 1);
      if (key.upArrow || input === 'k') setOffset((o) => Math.max(0, o - 1));
      else if (key.downArrow || input === 'j') setOffset((o) => Math.min(max, o + 1));
      else if (key.pageUp || input === 'b') setOffset((o) => Math.max(0, o - page));
      else if (key.pageDown || input === ' ') setOffset((o) => Math.min(max, o + page));
      else if (input === 'g') setOffset(0);
      else if (input === 'G') setOffset(max);
    },
    { isActive },
  );
  return offset;
}
