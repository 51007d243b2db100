import { Box, Text, useInput } from 'ink';
import { ConfirmInput } from '@inkjs/ui';
import { tone } from '../common/theme.js';
import { useTypedWord } from './use-typed-word.js';
import type { PendingConfirmation } from './ui-run.js';

interface Props {
  confirmation: PendingConfirmation;
  answer: (yes: boolean) => void;
}

/** The engine's question with exactly what will change; nothing is truncated here. */
export function ConfirmPrompt({ confirmation, answer }: Props) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('yellow')} paddingX={1}>
      <Text bold>{confirmation.question}</Text>
      {confirmation.details.map((line, i) => (
        <Text key={i}>
          {'  '}
          {line}
        </Text>
      ))}
      {confirmation.typedWord === null ? (
        <PlainAnswer answer={answer} />
      ) : (
        <TypedAnswer key={confirmation.id} word={confirmation.typedWord} meaning={confirmation.typedWordMeaning} answer={answer} />
      )}
    </Box>
  );
}

function PlainAnswer({ answer }: { answer: (yes: boolean) => void }) {
  useInput((_input, key) => {
    if (key.escape) answer(false);
  });
  return (
    <Text>
      Go ahead? <ConfirmInput defaultChoice="cancel" onConfirm={() => answer(true)} onCancel={() => answer(false)} />
      <Text dimColor>  (y yes · n, Esc or Enter no)</Text>
    </Text>
  );
}

/** The instruction above the typed word (also measured by the layout). */
export function typedIntro(word: string, meaning: string | null): string {
  return `This step changes the cloud. Type ${word}${meaning ? ` (${meaning})` : ''} and Enter to go ahead; Esc or n answers no.`;
}

function TypedAnswer({ word, meaning, answer }: { word: string; meaning: string | null; answer: (yes: boolean) => void }) {
  const { typed, refused } = useTypedWord(word, answer, true);
  return (
    <Box flexDirection="column">
      <Text>{typedIntro(word, meaning)}</Text>
      {refused !== null && (
        <Text color={tone('red')}>
          "{refused}" is not {word}: nothing was started. Type it exactly, or Esc for no.
        </Text>
      )}
      <Text>
        {'> '}
        {typed}
        <Text inverse> </Text>
      </Text>
    </Box>
  );
}
