import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { Spinner, StatusMessage } from '@inkjs/ui';
import type { SessionServices } from '../session/services.js';
import { Footer } from '../common/footer.js';
import { ScrollView } from '../common/scroll-view.js';
import { useAsync } from '../common/use-async.js';
import { useScroll } from '../common/use-scroll.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import type { ReplaySpeed } from '../session/replay-speed.js';

type Exported = { status: 'idle' } | { status: 'writing' } | { status: 'done'; path: string } | { status: 'failed'; error: string };

/** One run's transcript as the plain presenter printed it; replay and export from here. */
export function TranscriptView(props: { services: SessionServices; runId: string; active: boolean; onReplay: (speed: ReplaySpeed) => void; onBack: () => void; onHelp: () => void }) {
  const { services, runId, active } = props;
  const { columns, rows } = useTerminalSize();
  const transcript = useAsync(() => services.transcript(runId), [services, runId]);
  const [exported, setExported] = useState<Exported>({ status: 'idle' });
  const lines = transcript.status === 'done' ? transcript.value.lines : [];
  const height = Math.max(3, rows - 4);
  const offset = useScroll(lines.length, height, active);
  useInput(
    (input, key) => {
      if (key.escape) props.onBack();
      else if (input === '?') props.onHelp();
      else if (transcript.status !== 'done') return;
      else if (input === '1') props.onReplay(1);
      else if (input === 'x') props.onReplay(10);
      else if (input === 'i') props.onReplay('instant');
      else if (input === 'e' && exported.status !== 'writing') {
        setExported({ status: 'writing' });
        services.exportMarkdown(runId).then(
          (path) => setExported({ status: 'done', path }),
          (error: unknown) => setExported({ status: 'failed', error: error instanceof Error ? error.message : String(error) }),
        );
      }
    },
    { isActive: active },
  );
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate">
        Transcript {runId}
        {transcript.status === 'done' && transcript.value.damaged > 0 ? ` — ${transcript.value.damaged} damaged line(s) skipped` : ''}
      </Text>
      {transcript.status === 'pending' ? <Spinner label="reading the transcript…" /> : null}
      {transcript.status === 'failed' ? <StatusMessage variant="error">{transcript.error}</StatusMessage> : null}
      {transcript.status === 'done' ? <ScrollView lines={lines} offset={offset} height={height} /> : null}
      {exported.status === 'writing' ? <Spinner label="writing the Markdown…" /> : null}
      {exported.status === 'done' ? <StatusMessage variant="success">exported to {exported.path}</StatusMessage> : null}
      {exported.status === 'failed' ? <StatusMessage variant="error">export failed: {exported.error}</StatusMessage> : null}
      <Footer
        keys={[
          { key: '↑↓', label: 'scroll' },
          { key: '1', label: 'replay' },
          { key: 'x', label: 'replay 10x' },
          { key: 'i', label: 'instant' },
          { key: 'e', label: 'export .md' },
          { key: 'esc', label: 'back' },
        ]}
      />
    </Box>
  );
}
