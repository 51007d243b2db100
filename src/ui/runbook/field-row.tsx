import { Box, Text } from 'ink';
import { TextInput } from '@inkjs/ui';
import type { FormField } from './form-model.js';
import { tone } from '../common/theme.js';

/** One parameter: its flag, its value (an input while focused), and its errors below. */
export function FieldRow(props: { field: FormField; value: string | boolean | undefined; errors: string[]; focused: boolean; labelWidth: number; onChange: (v: string) => void; onSubmit: () => void }) {
  const { field, value, errors, focused, labelWidth } = props;
  const mark = focused ? '› ' : '  ';
  return (
    <Box flexDirection="column">
      {field.kind === 'choice' ? (
        <Text wrap="truncate" bold={focused}>
          {mark}
          {field.label.padEnd(labelWidth)}{' '}
          {(field.choices ?? []).map((c) => `${c === (typeof value === 'string' ? value : field.default) ? '(•)' : '( )'} ${c}`).join('  ')}
        </Text>
      ) : field.kind === 'toggle' ? (
        <Text wrap="truncate" bold={focused}>
          {mark}
          {value === true ? '[x] ' : '[ ] '}
          {field.label}
        </Text>
      ) : (
        <Box>
          <Text bold={focused}>
            {mark}
            {field.label.padEnd(labelWidth)}{' '}
          </Text>
          {focused ? (
            <TextInput defaultValue={typeof value === 'string' ? value : ''} placeholder={field.kind === 'list' ? 'space-separated' : ''} onChange={props.onChange} onSubmit={props.onSubmit} />
          ) : (
            <Text wrap="truncate" color={value ? undefined : tone('gray')}>
              {typeof value === 'string' && value ? value : '—'}
            </Text>
          )}
        </Box>
      )}
      {focused ? (
        <Text wrap="truncate" color={tone('gray')}>
          {'    '}
          {field.description}
        </Text>
      ) : null}
      {errors.map((error, i) => (
        <Box key={i} marginLeft={4}>
          <Text color={tone('red')}>✗ {error}</Text>
        </Box>
      ))}
    </Box>
  );
}
