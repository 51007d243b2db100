import { Box, Text } from 'ink';
import { ConfirmInput } from '@inkjs/ui';
import { tone } from '../common/theme.js';

/** The first Ctrl-C: stopping leaves a resumable run, so it is asked, not done. */
export function StopPrompt({ runId, answer }: { runId: string | null; answer: (yes: boolean) => void }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={tone('yellow')} paddingX={1}>
      <Text bold>Stop after the operations in flight? The run can be resumed (novaops resume {runId ?? '<id>'})</Text>
      <Text>
        Stop? <ConfirmInput defaultChoice="cancel" onConfirm={() => answer(true)} onCancel={() => answer(false)} />
        <Text dimColor>  (y stop · n or Enter keep going · Ctrl-C again quits at once)</Text>
      </Text>
    </Box>
  );
}
