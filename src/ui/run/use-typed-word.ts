import { useRef, useState } from 'react';
import { useInput } from 'ink';

export interface TypedWord {
  typed: string;
  /** The last refused attempt, to say why yes did not count. */
  refused: string | null;
}

/**
 * Keys of a destructive confirmation: the word must be typed exactly, then Enter; Esc answers
 * no, and so does `n` on an empty line unless the word itself starts with n.
 *
 * The buffer lives in a ref: ink re-subscribes the handler only after React re-renders, so keys
 * typed quickly reach a handler of an earlier render; judging Enter by that render's state could
 * accept "1" when "10" was typed.
 */
export function useTypedWord(word: string, answer: (yes: boolean) => void, active: boolean): TypedWord {
  const buffer = useRef('');
  const answered = useRef(false);
  const [typed, setTyped] = useState('');
  const [refused, setRefused] = useState<string | null>(null);
  const set = (value: string) => {
    buffer.current = value;
    setTyped(value);
  };
  const reply = (yes: boolean) => {
    if (answered.current) return;
    answered.current = true;
    answer(yes);
  };
  useInput(
    (input, key) => {
      if (answered.current) return;
      // Before the modifier check: ink reports a lone Esc with meta set.
      if (key.escape) return reply(false);
      if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
      // A fast terminal (or a paste) can hand over the word and Enter as one input.
      const enter = key.return || /[\r\n]$/.test(input);
      const text = key.return ? '' : input.replace(/[\x00-\x1f\x7f]/g, '');
      if (enter) {
        const attempt = buffer.current + text;
        if (attempt === word) return reply(true);
        setRefused(attempt);
        set('');
        return;
      }
      if (key.backspace || key.delete) return set(buffer.current.slice(0, -1));
      if (buffer.current === '' && input.toLowerCase() === 'n' && !word.toLowerCase().startsWith('n')) return reply(false);
      // Control characters never belong to the word.
      if (text) set((buffer.current + text).slice(0, 64));
    },
    { isActive: active },
  );
  return { typed, refused };
}
