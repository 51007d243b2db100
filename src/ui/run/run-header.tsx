import { Box, Text } from 'ink';
import { Banner } from '../common/banner.js';
import type { RunView } from './ui-run.js';

/** What runs where: the banners first, so no frame of a dry-run or read-only session lacks them. */
export function RunHeader({ view }: { view: RunView }) {
  const info = view.info;
  return (
    <Box flexDirection="column">
      {view.readOnly && <Banner kind="read-only" />}
      {view.mode === 'dry-run' && <Banner kind="dry-run" />}
      <Text bold wrap="truncate">
        novaops {info ? `${info.runbook} ${info.version}` : 'run'} · {info ? `cloud ${info.cloud}` : 'starting…'} ·{' '}
        {view.mode === 'dry-run' ? 'DRY-RUN' : view.mode === 'live' ? 'LIVE' : ''}
      </Text>
      {info && (
        <Text wrap="truncate" dimColor>
          run {info.runId}
          {info.resumed ? ` (resumed, attempt ${info.attempt})` : ''} · scope {info.scope} · {info.operator}@{info.host}
        </Text>
      )}
    </Box>
  );
}
