import { Box, Text, useInput } from 'ink';
import type { HealthLine as Health, SessionServices } from '../session/services.js';
import { useAsync, type AsyncState } from '../common/use-async.js';
import { useCursorList } from '../common/use-cursor-list.js';
import { useTerminalSize } from '../common/use-terminal-size.js';
import { Banner } from '../common/banner.js';
import { Footer } from '../common/footer.js';
import { tone } from '../common/theme.js';
import { HealthLine } from './health-line.js';
import { RecentRuns } from './recent-runs.js';
import { RunbookList } from './runbook-list.js';

export interface HomeActions {
  openRunbook(id: string): void;
  resume(runId: string): void;
  transcripts(): void;
  help(): void;
  quit(): void;
}

export function HomeScreen({ services, health, actions, active }: { services: SessionServices; health: AsyncState<Health>; actions: HomeActions; active: boolean }) {
  const { columns, rows } = useTerminalSize();
  const runs = useAsync(() => services.runs(), [services]);
  const cursor = useCursorList(services.runbooks.length, active);
  useInput(
    (input, key) => {
      if (key.return && services.runbooks[cursor]) actions.openRunbook(services.runbooks[cursor].id);
      // A read-only session never resumes (the engine refuses it too, exit 3).
      else if (input === 'r' && runs.status === 'done' && !services.readOnly) {
        const target = runs.value.find((r) => r.resumable);
        if (target) actions.resume(target.runId);
      } else if (input === 't') actions.transcripts();
      else if (input === '?') actions.help();
      else if (input === 'q' || (key.ctrl && input === 'c')) actions.quit();
    },
    { isActive: active },
  );
  // header, health, blank, "Runbooks", list, purpose (2), blank, "Last runs", footer, banner
  const fixed = 8 + services.runbooks.length + 2 + (services.readOnly ? 1 : 0);
  const cloud = 'error' in services.cloud ? `no cloud: ${services.cloud.error}` : `cloud ${services.cloud.name} (${services.cloud.source})`;
  const resumeTarget = !services.readOnly && runs.status === 'done' && runs.value.some((r) => r.resumable);
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
      <RunbookList runbooks={services.runbooks} cursor={cursor} width={columns} />
      <Text> </Text>
      <Text bold color={tone('cyan')}>
        Last runs
      </Text>
      <RecentRuns state={runs} limit={rows - fixed - 1} canResume={!services.readOnly} />
      <Footer
        keys={[
          { key: '↑↓', label: 'choose' },
          { key: 'enter', label: 'open' },
          ...(resumeTarget ? [{ key: 'r', label: 'resume' }] : []),
          { key: 't', label: 'transcripts' },
          { key: '?', label: 'help' },
          { key: 'q', label: 'quit' },
        ]}
      />
    </Box>
  );
}
