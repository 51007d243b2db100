import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { Select, Spinner, StatusMessage, TextInput } from '@inkjs/ui';
import type { ServerChoice, SessionServices } from '../session/services.js';
import { clip } from '../common/text-lines.js';
import { tone } from '../common/theme.js';
import { filterText, isAffected, orderServers, type ServerOrder } from './server-order.js';
import { useServers } from './use-servers.js';

export function matchesFilter(server: ServerChoice, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return [server.name, server.id, server.host ?? '', server.status].some((v) => v.toLowerCase().includes(f));
}

function volumesLabel(server: ServerChoice): string {
  if (server.volumes === undefined) return '';
  return server.volumes === 1 ? '1 volume' : `${server.volumes} volumes`;
}

/**
 * The live servers, narrowed as you type (`/` first is welcome, as in every list); enter picks the
 * highlighted one. For drp, the instances the power loss affected come first, most volumes first.
 */
export function InstancePicker({ services, active, width, order = 'name', onPick }: { services: SessionServices; active: boolean; width: number; order?: ServerOrder; onPick: (server: ServerChoice) => void }) {
  const servers = useServers(services);
  const [typed, setTyped] = useState('');
  const filter = filterText(typed);
  const list = useMemo(() => (servers.status === 'done' ? orderServers(servers.value, order) : []), [servers, order]);
  const matching = useMemo(() => list.filter((s) => matchesFilter(s, filter)), [list, filter]);
  const nameWidth = Math.min(24, Math.max(4, ...list.map((s) => s.name.length)));
  const options = useMemo(
    () =>
      matching.map((s) => ({
        value: s.id,
        label: clip(`${s.name.padEnd(nameWidth)} ${s.status.padEnd(8)} ${volumesLabel(s).padEnd(10)} ${(s.host ?? '-').padEnd(10)} ${s.id}`, width - 6),
      })),
    [matching, nameWidth, width],
  );
  if (servers.status === 'pending') return <Spinner label="reading the servers and their volumes (Compute API)…" />;
  if (servers.status === 'failed') return <StatusMessage variant="error">{clip(`cannot list the servers: ${servers.error}`, width - 4)}</StatusMessage>;
  const affected = list.filter(isAffected).length;
  return (
    <Box flexDirection="column">
      <Box>
        <Text>filter: </Text>
        <TextInput isDisabled={!active} placeholder="type part of a name, uuid or host" onChange={setTyped} />
      </Box>
      {options.length === 0 ? (
        <Text color={tone('gray')}>no server matches "{filter}" ({list.length} in all)</Text>
      ) : (
        <Select
          isDisabled={!active}
          options={options}
          highlightText={filter || undefined}
          visibleOptionCount={5}
          onChange={(id) => {
            const server = list.find((s) => s.id === id);
            if (server) onPick(server);
          }}
        />
      )}
      <Text color={tone('gray')} wrap="truncate">
        {matching.length} of {list.length} servers
        {order === 'power-loss' ? ` · ${affected} SHUTOFF by the power loss, listed first, most volumes first` : ''}
      </Text>
    </Box>
  );
}
