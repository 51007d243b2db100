// Step 5 (optional, --ssh-reboot). "Log in to the instances with SSH and reboot them" — from
// inside the guest, not through Nova, for guests whose services or fstab depend on the volume.
// Host keys are checked strictly; novaops never edits known_hosts.
import type { Step } from '../../src/engine/runbook.js';
import { GUEST_PREFIX } from '../../src/engine/execute-operation.js';
import { affectedInstances, type DrpParams } from './facts.js';

export const sshRebootStep: Step<DrpParams> = {
  id: 'ssh-reboot',
  title: 'Log in to the instances with SSH and reboot them from inside',
  changes: 'runs `shutdown -r now` inside each recovered instance over SSH',
  unguarded: 'optional, run only with --ssh-reboot, on the instances this run recovered: the orderly reboot from inside that the guide prescribes',
  optional: true,
  enabled: (params) => params.sshReboot,
  async plan(ctx) {
    const instances = affectedInstances(ctx);
    const reachable = instances.filter((i) => i.addresses.length > 0);
    const notes = reachable.length < instances.length ? [`${instances.length - reachable.length} instance(s) have no address and are skipped`] : [];
    return {
      notes,
      items: reachable.map((i) => ({
        key: `ssh-reboot:${i.uuid}`,
        summary: `ssh ${i.addresses[0]} shutdown -r now (${i.name})`,
        target: { instance: i.uuid },
        ops: [
          {
            kind: 'shell' as const,
            host: `${GUEST_PREFIX}${i.addresses[0]}`,
            argv: ['shutdown', '-r', 'now'],
            mutating: true,
            summary: `reboot ${i.name} from inside`,
            target: { instance: i.uuid },
            command: `ssh ${i.addresses[0]} shutdown -r now`,
            timeoutMs: 60_000,
          },
        ],
      })),
    };
  },
};
