// What only the cloud can say about failed-node's input, read before the run exists (exit 2, no run
// directory): --fenced that does not name the failed host, a host no nova-compute runs on, a target
// in another cell than the failed host (cell.ts), and an --instances-path that is not a directory
// on the target. Given /etc/passwd, the run used to go ahead, count no instance as on shared
// storage, and warn that the path "does not exist".
import type { StepContext } from '../../src/engine/runbook.js';
import { UsageError } from '../../src/engine/errors.js';
import { parseInstanceDirProbe, probeInstanceDirs } from '../../src/operations/host-files.js';
import { listComputeServices } from '../../src/operations/openstack/os-services.js';
import { showList, showValue } from '../../src/values/show-value.js';
import type { FailedNodeParams } from './params.js';
import { failedNodeCell } from './cell.js';

export async function checkFailedNodeInput(ctx: StepContext<FailedNodeParams>): Promise<void> {
  const p = ctx.params;
  const services = (await ctx.read(listComputeServices({ fencing: true }))).value;
  for (const [flag, host] of [['--failed-host', p.failedHost], ['--target-host', p.targetHost]] as const) {
    if (services.some((s) => s.host === host)) continue;
    throw new UsageError(
      `${flag} ${host}: no nova-compute service runs on a host of that name`,
      `the compute hosts Nova knows: ${showList(services.map((s) => s.host).sort())} (openstack compute service list --service nova-compute)`,
    );
  }
  await failedNodeCell(ctx, services.map((s) => s.host));
  await checkInstancesPath(ctx);
}

async function checkInstancesPath(ctx: StepContext<FailedNodeParams>): Promise<void> {
  const { targetHost, instancesPath } = ctx.params;
  // Without the option the path comes from the target's nova.conf, which the operator did not
  // type: where it is missing, the preflight says so and no instance counts as on shared storage.
  if (instancesPath === undefined || !ctx.hosts().includes(targetHost)) return;
  const probe = await ctx.tryRead(probeInstanceDirs(targetHost, instancesPath, []));
  // An unreachable target is the preflight's and its guard's to name, with what to do.
  if (!probe.ok) return;
  if (!parseInstanceDirProbe(probe.stdout ?? '').instancesPathExists) {
    throw new UsageError(
      `--instances-path ${showValue(instancesPath)} is not a directory on ${targetHost}`,
      `give the instances_path of nova.conf on ${targetHost}, or leave --instances-path out: novaops then reads it from ${targetHost}'s nova.conf`,
    );
  }
}
