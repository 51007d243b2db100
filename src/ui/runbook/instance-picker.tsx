import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { Select, Spinner, StatusMessage, TextInput } from '@inkjs/ui';
import type { ServerChoice, SessionServices } from '../session/services.js';
import { clip } from '../common/text-lines.js';
import { tone } from '../common/theme.js';
import { useServers } from './use-servers.js';

export function matchesFilter(server: ServerChoice, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return [server.name, server.id, server.host ?? '', server.status].some((v) => v.toLowerCase().includes(f));
}

/** The live servers, narrowed as you type; enter picks the highlighted one. */
export function InstancePicker({ services, active, width, onPick }: { services: SessionServices; active: boolean; width: number; onPick: (server: ServerChoice) => void }) {
  const servers = useServers(services);
  const [filter, setFilter] = useState('');
  const list = servers.status === 'done' ? servers.value : [];
  const matching = useMemo(() => list.filter((s) => matchesFilter(s, filter)), [list, filter]);
  const nameWidth = Math.min(24, Math.max(4, ...list.map((s) => s.name.length)));
  const options = useMemo(
    () => matching.map((s) => ({ value: s.id, label: clip(`${s.name.padEnd(nameWidth)} ${s.status.padEnd(8)} ${(s.host ?? '-').padEnd(10)} ${s.id}`, width - 6) })),
    [matching, nameWidth, width],
  );
  if (servers.status === 'pending') return <Spinner label="reading the servers (Compute API)…" />;
  if (servers.status === 'failed') return <StatusMessage variant="error">{clip(`cannot list the servers: ${servers.error}`, width - 4)}</StatusMessage>;
  return (
    <Box flexDirection="column">
      <Box>
        <Text>filter: </Text>
        <TextInput isDisabled={!active} placeholder="type part of a name, uuid or host" onChange={setFilter} />
      </Box>
      {options.length === 0 ? (
        <Text color={tone('gray')}>no server matches "{filter}" ({list.length} in all)</Text>
      ) : (
        <Select
          isDisabled={!active}
          options={options}
          highlightText={filter.trim() || undefined}
          visibleOptionCount={5}
          onChange={(id) => {
            const server = list.find((s) => s.id === id);
            if (server) onPick(server);
          }}
        />
      )}
      <Text color={tone('gray')} wrap="truncate">
        {matching.length} of {list.length} servers
      </Text>
    </Box>
  );
}
