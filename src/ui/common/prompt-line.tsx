import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { TextInput } from '@inkjs/ui';
import { tone } from './theme.js';

/**
 * One line of input after a prefix (`:` for commands, `/` for a filter): enter submits, esc
 * cancels, and tab, when `complete` is given, replaces the text with its completion.
 */
export function PromptLine(props: {
  prefix: string;
  initial?: string;
  placeholder?: string;
  /** Shown dimmed after the input, e.g. the completions. */
  hint?: (value: string) => string;
  active: boolean;
  onChange?: (value: string) => void;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  complete?: (value: string) => string;
}) {
  const { prefix, initial = '', placeholder, hint, active, onChange, onSubmit, onCancel, complete } = props;
  const [value, setValue] = useState(initial);
  // @inkjs/ui's TextInput keeps its own text: a completion remounts it with the new text.
  const [generation, setGeneration] = useState(0);
  const [seed, setSeed] = useState(initial);
  useInput(
    (_input, key) => {
      if (key.escape) onCancel();
      else if (key.tab && complete) {
        const next = complete(value);
        if (next !== value) {
          setSeed(next);
          setValue(next);
          setGeneration((g) => g + 1);
          onChange?.(next);
        }
      }
    },
    { isActive: active },
  );
  const shownHint = hint?.(value) ?? '';
  return (
    <Box>
      <Text bold>{prefix}</Text>
      <TextInput
        key={generation}
        defaultValue={seed}
        placeholder={placeholder}
        isDisabled={!active}
        onChange={(v) => {
          setValue(v);
          onChange?.(v);
        }}
        onSubmit={onSubmit}
      />
      {shownHint ? (
        <Text color={tone('gray')} wrap="truncate">
          {'  '}
          {shownHint}
        </Text>
      ) : null}
    </Box>
  );
}
