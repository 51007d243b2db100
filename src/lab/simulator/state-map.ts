// How Nova turns (vm_state, task_state) into the API's `status` (nova/api/openstack/common.py
// _STATE_MAP), and the reboot rules (vm_states.ALLOW_*_REBOOT, task_states.ALLOW_REBOOT).

const REBOOT_SOFT = { rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT' };
const REBOOT_HARD = { rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT' };
const RESIZING = { resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE' };
const REBUILDING = { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' };

export const STATE_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    ...REBOOT_SOFT,
    ...REBOOT_HARD,
    updating_password: 'PASSWORD',
    ...REBUILDING,
    migrating: 'MIGRATING',
    ...RESIZING,
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', ...RESIZING, ...REBUILDING },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', ...REBUILDING },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function serverStatus(vmState: string | null, taskState: string | null): string {
  const m = STATE_MAP[vmState ?? ''];
  if (!m) return 'UNKNOWN';
  return (taskState && m[taskState]) || m.default;
}

/** The same mapping as one SQL expression, so status filters and pagination stay in SQL. */
export function statusSqlExpr(vmCol = 'vm_state', taskCol = 'task_state'): string {
  const esc = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const arms = Object.entries(STATE_MAP).map(([vm, tasks]) => {
    const inner = Object.entries(tasks)
      .filter(([t]) => t !== 'default')
      .map(([t, s]) => `WHEN ${esc(t)} THEN ${esc(s)}`)
      .join(' ');
    const expr = inner ? `CASE ${taskCol} ${inner} ELSE ${esc(tasks.default)} END` : esc(tasks.default);
    return `WHEN ${esc(vm)} THEN ${expr}`;
  });
  return `(CASE ${vmCol} ${arms.join(' ')} ELSE 'UNKNOWN' END)`;
}

export const ALLOW_SOFT_REBOOT = ['active'];
export const ALLOW_HARD_REBOOT = [...ALLOW_SOFT_REBOOT, 'stopped', 'paused', 'suspended', 'error'];
export const ALLOW_REBOOT_TASKS: (string | null)[] = [
  null,
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'resuming',
  'rebooting_hard',
  'unpausing',
  'pausing',
  'suspending',
];

/** vm_states from which compute_api.attach_volume is allowed (check_instance_state). */
export const ALLOW_ATTACH = ['active', 'paused', 'stopped', 'resized', 'soft-delete', 'shelved', 'shelved_offloaded'];

export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
