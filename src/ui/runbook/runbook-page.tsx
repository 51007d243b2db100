import { useMemo, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { Spinner, StatusMessage } from '@inkjs/ui';
import type { Runbook } from '../../engine/runbook.js';
import type { RunRequestInput, SessionServices } from '../session/services.js';
import { Banner } from '../common/banner.js';
import { Footer } from '../common/footer.js';
import { ScrollView } from '../common/scroll-view.js';
import { wrapText } from '../common/text-lines.js';
import { tone } from '../common/theme.js';
import { useAsync } from '../common/use-async.js';
import { useScroll } from '../common/use-scroll.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import { RunForm } from './run-form.js';
import { stepLines } from './step-lines.js';

export interface RunbookActions {
  back(): void;
  /** `steps`: the runbook's outline, so the run screen lists the steps not reached yet. */
  start(request: RunRequestInput, steps: readonly { id: string; title: string }[]): void;
  help(): void;
}

/** One runbook: its procedure (steps, what each changes, guards), then its form. */
export function RunbookPage({ services, id, actions, active }: { services: SessionServices; id: string; actions: RunbookActions; active: boolean }) {
  const runbook = useAsync(() => services.loadRunbook(id), [services, id]);
  useInput((_input, key) => key.escape && runbook.status !== 'done' && actions.back(), { isActive: active && runbook.status !== 'done' });
  if (runbook.status === 'pending') return <Spinner label={`loading ${id}…`} />;
  if (runbook.status === 'failed') return <StatusMessage variant="error">cannot load {id}: {runbook.error} (esc back)</StatusMessage>;
  return <LoadedRunbook services={services} runbook={runbook.value} actions={actions} active={active} />;
}

function LoadedRunbook({ services, runbook, actions, active }: { services: SessionServices; runbook: Runbook; actions: RunbookActions; active: boolean }) {
  const { columns, rows } = useTerminalSize();
  const [pane, setPane] = useState<'steps' | 'form'>('steps');
  const header = [`${runbook.id} — ${runbook.title} (version ${runbook.version})`, ...wrapText(`doc: ${runbook.reference}`, columns, '     ').slice(0, 2)];
  const body = rows - header.length - 3 - (services.readOnly ? 1 : 0);
  const lines = useMemo(() => stepLines(runbook, columns), [runbook, columns]);
  const offset = useScroll(lines.length, body - 1, active && pane === 'steps');
  useInput(
    (input, key) => {
      if (key.escape) return pane === 'form' ? setPane('steps') : actions.back();
      if (pane === 'steps' && key.return) return setPane('form');
      if (pane === 'steps' && input === '?') actions.help();
    },
    { isActive: active },
  );
  return (
    <Box flexDirection="column" width={columns}>
      {services.readOnly ? <Banner kind="read-only" /> : null}
      {header.map((line, i) => (
        <Text key={i} bold={i === 0} wrap="truncate" color={i === 0 ? undefined : tone('gray')}>
          {line}
        </Text>
      ))}
      <Text bold color={tone('cyan')}>
        {pane === 'steps' ? `Steps (${runbook.steps.length}, in order)` : 'Parameters and run'}
      </Text>
      {pane === 'steps' ? (
        <ScrollView lines={lines} offset={offset} height={body - 1} />
      ) : (
        <RunForm runbook={runbook} services={services} active={active} width={columns} height={body} onStart={(request) => actions.start(request, runbook.steps.map((s) => ({ id: s.id, title: s.title })))} />
      )}
      <Footer
        keys={
          pane === 'steps'
            ? [
                { key: '↑↓', label: 'scroll' },
                { key: 'enter', label: 'parameters & run' },
                { key: 'esc', label: 'back' },
                { key: '?', label: 'help' },
              ]
            : [
                { key: 'tab', label: 'next field' },
                { key: 'space', label: 'toggle' },
                { key: 'enter', label: 'start' },
                { key: 'esc', label: 'steps' },
              ]
        }
      />
    </Box>
  );
}
