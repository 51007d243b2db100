// The instance a clean rehearsal picks in a power-loss scenario: SHUTOFF, with data volumes that no
// other instance shares (a shared multi-attach volume would tie its outcome to another instance).
import type { ScenarioSummary } from '../../src/lab/index.js';

export function rehearsalInstance(scenario: ScenarioSummary): { uuid: string; name: string } {
  const shared = new Set(scenario.multiattach?.attachments.map((a) => a.volume) ?? []);
  const found = scenario.instances.find((i) => {
    if (!scenario.affectedInstances.includes(i.uuid)) return false;
    const pairs = scenario.attached.filter((p) => p.instance === i.uuid);
    return pairs.length > 0 && pairs.every((p) => !shared.has(p.volume));
  });
  if (!found) throw new Error('no instance with unshared data volumes');
  return { uuid: found.uuid, name: found.name };
}
