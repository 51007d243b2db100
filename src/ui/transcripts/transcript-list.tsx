import { useMemo, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { Spinner, StatusMessage } from '@inkjs/ui';
import type { SessionServices } from '../session/services.js';
import { Footer } from '../common/footer.js';
import { tone } from '../common/theme.js';
import { useAsync } from '../common/use-async.js';
import { useCursorList } from '../common/use-cursor-list.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import { PromptLine } from '../common/prompt-line.js';
import { matchesRun, runLine } from '../home/recent-runs.js';
import { applyFilters, nextValue, OUTCOMES, type RunFilters } from './run-filters.js';

/** Every recorded run, newest first, narrowed by runbook and outcome. */
export function TranscriptList({ services, active, onOpen, onBack, onHelp }: { services: SessionServices; active: boolean; onOpen: (runId: string) => void; onBack: () => void; onHelp: () => void }) {
  const { columns, rows } = useTerminalSize();
  const runs = useAsync(async () => (await services.runs()).sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [services]);
  const [filters, setFilters] = useState<RunFilters>({ runbook: null, outcome: null });
  // `/` narrows by text (id, runbook, mode, status, scope), on top of b and o.
  const [text, setText] = useState('');
  const [typing, setTyping] = useState(false);
  const shown = useMemo(() => (runs.status === 'done' ? applyFilters(runs.value, filters).filter((r) => matchesRun(r, text.trim())) : []), [runs, filters, text]);
  const cursor = useCursorList(shown.length, active && !typing);
  useInput(
    (input, key) => {
      if (input === '/') setTyping(true);
      else if (key.escape && text) setText('');
      else if (key.escape) onBack();
      else if (input === 'b') setFilters((f) => ({ ...f, runbook: nextValue(services.runbooks.map((r) => r.id), f.runbook) }));
      else if (input === 'o') setFilters((f) => ({ ...f, outcome: nextValue(OUTCOMES, f.outcome) }));
      else if (key.return && shown[cursor]) onOpen(shown[cursor].runId);
      else if (input === '?') onHelp();
    },
    { isActive: active && !typing },
  );
  const height = Math.max(3, rows - 4 - (text || typing ? 1 : 0));
  const first = Math.max(0, Math.min(cursor - Math.floor(height / 2), shown.length - height));
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate">
        Transcripts · runbook: {filters.runbook ?? 'all'} (b) · outcome: {filters.outcome ?? 'all'} (o)
      </Text>
      {typing ? (
        <PromptLine prefix="/" initial={text} placeholder="part of a run id, runbook, status or scope (enter keeps it, esc clears)" active={active} onChange={setText} onSubmit={() => setTyping(false)} onCancel={() => (setText(''), setTyping(false))} />
      ) : text ? (
        <Text wrap="truncate" color={tone('yellow')}>
          /{text} (esc clears, / edits)
        </Text>
      ) : null}
      {runs.status === 'pending' ? <Spinner label="reading the runs…" /> : null}
      {runs.status === 'failed' ? <StatusMessage variant="error">{runs.error}</StatusMessage> : null}
      {runs.status === 'done' && shown.length === 0 ? <Text color={tone('gray')}>no run matches ({runs.value.length} recorded)</Text> : null}
      {shown.slice(first, first + height).map((run, i) => (
        <Text key={run.runId} wrap="truncate" inverse={first + i === cursor}>
          {first + i === cursor ? '› ' : '  '}
          {runLine(run)}
        </Text>
      ))}
      <Text color={tone('gray')} wrap="truncate">
        {shown.length} of {runs.status === 'done' ? runs.value.length : 0} runs
      </Text>
      <Footer
        keys={[
          { key: '↑↓', label: 'choose' },
          { key: 'enter', label: 'open' },
          { key: 'b', label: 'runbook' },
          { key: 'o', label: 'outcome' },
          { key: '/', label: 'filter' },
          { key: 'esc', label: 'back' },
          { key: '?', label: 'help' },
        ]}
      />
    </Box>
  );
}
