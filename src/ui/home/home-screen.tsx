import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { HealthLine as Health, RunSummary, SessionServices } from '../session/services.js';
import { useAsync, type AsyncState } from '../common/use-async.js';
import { useCursorList } from '../common/use-cursor-list.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import { Banner } from '../common/banner.js';
import { Footer } from '../common/footer.js';
import { PromptLine } from '../common/prompt-line.js';
import { tone } from '../common/theme.js';
import { candidates, completeCommand, parseCommand } from './command-line.js';
import { HealthLine } from './health-line.js';
import { matchesRun, RecentRuns } from './recent-runs.js';
import { RunbookList } from './runbook-list.js';

export interface HomeActions {
  openRunbook(id: string): void;
  resume(runId: string): void;
  transcripts(): void;
  help(): void;
  quit(): void;
}

/** The home's keys go to the lists, to the `:` command line, or to the `/` filter. */
type Mode = 'list' | 'command' | 'filter';

export function HomeScreen({ services, health, actions, active }: { services: SessionServices; health: AsyncState<Health>; actions: HomeActions; active: boolean }) {
  const { columns, rows } = useTerminalSize();
  const runs = useAsync(() => services.runs(), [services]);
  const [mode, setMode] = useState<Mode>('list');
  const [filter, setFilter] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const needle = filter.trim().toLowerCase();
  const runbooks = needle ? services.runbooks.filter((r) => r.id.includes(needle) || r.title.toLowerCase().includes(needle)) : services.runbooks;
  const cursor = useCursorList(runbooks.length, active && mode === 'list');
  const runIds = runs.status === 'done' ? runs.value.filter((r) => r.resumable).map((r) => r.runId) : [];
  const ids = services.runbooks.map((r) => r.id);

  const resume = (runId?: string) => {
    // A read-only session never resumes (the engine refuses it too, exit 3).
    if (services.readOnly) return setMessage('read-only session: runs are not resumed');
    if (runs.status !== 'done') return setMessage('the runs are still being read; try again');
    const target = runId === undefined ? runs.value.find((r) => r.resumable) : runs.value.find((r) => r.runId === runId);
    if (!target) return setMessage(runId === undefined ? 'no interrupted run to resume' : `no run ${runId} here; :resume takes an interrupted run's id (tab completes)`);
    if (!target.resumable) return setMessage(`run ${target.runId} ended ${target.status}; only interrupted live runs resume`);
    actions.resume(target.runId);
  };

  const run = (text: string) => {
    setMode('list');
    const command = parseCommand(text, ids);
    switch (command.kind) {
      case 'none':
        return;
      case 'runbook':
        return actions.openRunbook(command.id);
      case 'resume':
        return resume(command.runId);
      case 'transcripts':
        return actions.transcripts();
      case 'help':
        return actions.help();
      case 'quit':
        return actions.quit();
      case 'unknown':
        return setMessage(command.message);
    }
  };

  useInput(
    (input, key) => {
      setMessage(undefined);
      if (input === ':') setMode('command');
      else if (input === '/') setMode('filter');
      else if (key.escape && filter) setFilter('');
      else if (key.return && runbooks[cursor]) actions.openRunbook(runbooks[cursor].id);
      else if (input === 'r') resume();
      else if (input === 't') actions.transcripts();
      else if (input === '?') actions.help();
      else if (input === 'q' || (key.ctrl && input === 'c')) actions.quit();
    },
    { isActive: active && mode === 'list' },
  );
  // A typed command or filter is never lost to Ctrl-C: it quits, as everywhere on the home.
  useInput((input, key) => key.ctrl && input === 'c' && actions.quit(), { isActive: active && mode !== 'list' });

  // header, health, blank, "Runbooks", list, purpose (2), blank, "Last runs", footer, banner, filter line
  const fixed = 8 + services.runbooks.length + 2 + (services.readOnly ? 1 : 0) + (filter && mode === 'list' ? 1 : 0) + (message ? Math.ceil(message.length / columns) : 0);
  const cloud = 'error' in services.cloud ? `no cloud: ${services.cloud.error}` : `cloud ${services.cloud.name} (${services.cloud.source})`;
  const resumeTarget = !services.readOnly && runs.status === 'done' && runs.value.some((r) => r.resumable);
  const runsShown: AsyncState<RunSummary[]> = runs.status === 'done' && needle ? { status: 'done', value: runs.value.filter((r) => matchesRun(r, needle)) } : runs;
  let bottom;
  if (mode === 'command') {
    bottom = (
      <PromptLine
        prefix=":"
        placeholder="drp, resume <run-id>, transcripts, q (tab completes)"
        active={active}
        hint={(value) => (value.trim() ? candidates(value, ids, runIds).slice(0, 6).join('  ') : '')}
        complete={(value) => completeCommand(value, ids, runIds)}
        onSubmit={run}
        onCancel={() => setMode('list')}
      />
    );
  } else if (mode === 'filter') {
    bottom = <PromptLine prefix="/" initial={filter} placeholder="filter the runbooks and the runs (enter keeps it, esc clears)" active={active} onChange={setFilter} onSubmit={() => setMode('list')} onCancel={() => (setFilter(''), setMode('list'))} />;
  } else {
    bottom = (
      <Footer
        separator=" · "
        keys={[
          { key: 'enter', label: 'open' },
          ...(resumeTarget ? [{ key: 'r', label: 'resume' }] : []),
          { key: 't', label: 'transcripts' },
          { key: ':', label: 'command' },
          { key: '/', label: 'filter' },
          { key: '?', label: 'help' },
          { key: 'q', label: 'quit' },
        ]}
      />
    );
  }
  return (
    <Box flexDirection="column" width={columns}>
      {services.readOnly ? <Banner kind="read-only" /> : null}
      <Text wrap="truncate" bold>
        novaops · {cloud}
      </Text>
      <HealthLine state={health} />
      <Text> </Text>
      <Text bold color={tone('cyan')}>
        Runbooks
      </Text>
      {runbooks.length > 0 ? <RunbookList runbooks={runbooks} cursor={cursor} width={columns} /> : <Text color={tone('gray')}>no runbook matches "{filter}"</Text>}
      <Text> </Text>
      <Text bold color={tone('cyan')}>
        Last runs
      </Text>
      <RecentRuns state={runsShown} limit={rows - fixed - 1} canResume={!services.readOnly} />
      {filter && mode === 'list' ? (
        <Text wrap="truncate" color={tone('yellow')}>
          /{filter} (esc clears, / edits)
        </Text>
      ) : null}
      {message ? (
        <Text color={tone('red')}>
          {message}
        </Text>
      ) : null}
      {bottom}
    </Box>
  );
}
