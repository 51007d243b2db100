import { Select, Spinner, StatusMessage } from '@inkjs/ui';
import type { SessionServices } from '../session/services.js';
import { useAsync } from '../common/use-async.js';

/** The compute hosts of the config; enter picks one. */
export function HostPicker({ services, active, onPick }: { services: SessionServices; active: boolean; onPick: (host: string) => void }) {
  const hosts = useAsync(() => services.hosts(), [services]);
  if (hosts.status === 'pending') return <Spinner label="reading the hosts…" />;
  if (hosts.status === 'failed') return <StatusMessage variant="error">cannot list the hosts: {hosts.error}</StatusMessage>;
  if (hosts.value.length === 0) return <StatusMessage variant="warning">no hosts in the config (hosts:)</StatusMessage>;
  return <Select isDisabled={!active} options={hosts.value.map((h) => ({ value: h, label: h }))} visibleOptionCount={5} onChange={onPick} />;
}
