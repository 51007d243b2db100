// The session's view of the world (src/ui/session/services.ts), built from the same pieces as the
// commands: the config, the run store, doctor's checks, the engine. Nothing heavy is imported
// until a service is used: the home's first frame needs only the catalogue, the config and the
// run directories.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { catalogue, findEntry } from '../../runbooks/index.js';
import type { NovaopsConfig } from '../config/types.js';
import { resolveStateDir } from '../config/paths.js';
import { UsageError } from '../engine/errors.js';
import { isResumable } from '../engine/resumable.js';
import type { RunState } from '../engine/run-state.js';
import { checkRunId, runsDir, scanRuns } from '../engine/run-store.js';
import { readTranscriptFile, TRANSCRIPT_FILE } from '../engine/transcript.js';
import type { HealthLine, RunRequestInput, RunSummary, ServerChoice, SessionServices } from '../ui/session/services.js';
import { isReadOnlyEnv, loadConfig } from '../config/load-config.js';
import { messageOf } from '../engine/execute-operation.js';

export async function createSessionServices(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SessionServices> {
  let config: NovaopsConfig | undefined;
  let configError: string | undefined;
  try {
    config = await loadConfig({ configPath, env, cwd: process.cwd() });
  } catch (error) {
    configError = messageOf(error);
  }
  // Transcripts stay readable when the cloud's config is broken: that is when they matter.
  const stateDir = config?.stateDir ?? resolveStateDir(env);
  const needConfig = (): NovaopsConfig => {
    if (config) return config;
    throw new UsageError(`no usable config: ${configError}`, 'novaops doctor explains what is missing');
  };

  const transcriptPath = (runId: string) => join(runsDir(stateDir), checkRunId(runId), TRANSCRIPT_FILE);

  const services: SessionServices = {
    runbooks: catalogue,
    cloud: config ? { name: config.cloudName, source: config.source } : { error: configError ?? 'no config' },
    readOnly: config?.readOnly ?? isReadOnlyEnv(env),
    stateDir,

    async health() {
      return healthOf(needConfig());
    },

    async runs() {
      return summarizeRuns((await scanRuns(stateDir)).runs);
    },

    async servers(filter) {
      const c = needConfig();
      const [{ createOpenStackEffect }, { listServers }] = await Promise.all([
        import('../effects/openstack/create-openstack-effect.js'),
        import('../operations/openstack/servers.js'),
      ]);
      const result = await createOpenStackEffect(c.cloud, c.api).execute(listServers({ allProjects: true }));
      if (!result.ok || !result.value) throw new Error(`cannot list servers: ${result.error ?? 'no answer'}`);
      const wanted = filter?.toLowerCase() ?? '';
      return result.value
        .map((s): ServerChoice => ({ id: s.id, name: s.name, status: s.status, host: s.host, volumes: s.volumesAttached.length }))
        .filter((s) => !wanted || s.name.toLowerCase().includes(wanted) || s.id.startsWith(wanted))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async hosts() {
      const c = needConfig();
      if (Object.keys(c.hosts).length > 0) return Object.keys(c.hosts).sort();
      // Without hosts: in the config the compute hosts are Nova's, as the runs find them.
      const [{ createOpenStackEffect }, { listComputeServices }] = await Promise.all([
        import('../effects/openstack/create-openstack-effect.js'),
        import('../operations/openstack/os-services.js'),
      ]);
      const result = await createOpenStackEffect(c.cloud, c.api).execute(listComputeServices());
      if (!result.ok || !result.value) throw new Error(`cannot list the compute services: ${result.error ?? 'no answer'}`);
      return [...new Set(result.value.map((s) => s.host))].sort();
    },

    async loadRunbook(id) {
      const entry = findEntry(id);
      if (!entry) throw new UsageError(`unknown runbook ${id}`);
      return entry.load();
    },

    // The same run service as `novaops run` and `novaops resume` (src/cli/run-service.ts).
    async startRun(request: RunRequestInput, ui) {
      const { prepareStart, withCloud } = await import('./run-service.js');
      const run = await prepareStart(request);
      return withCloud(needConfig(), (cloud) => run.go(cloud, ui));
    },

    async resumeRun(runId, ui) {
      const { prepareResume, withCloud } = await import('./run-service.js');
      const run = await prepareResume(needConfig(), checkRunId(runId));
      return withCloud(needConfig(), (cloud) => run.go(cloud, ui));
    },

    async transcript(runId) {
      const read = await readTranscriptFile(transcriptPath(runId));
      const { formatEvent } = await import('./presenters/format-event.js');
      return { events: read.events, lines: read.events.flatMap((e) => formatEvent(e)), damaged: read.damaged.length };
    },

    async markdown(runId) {
      const [{ renderMarkdown }, { readRunRecord }] = await Promise.all([import('./presenters/markdown.js'), import('../engine/run-record.js')]);
      const record = await readRunRecord(stateDir, runId);
      return renderMarkdown(runId, record.events, record.artifacts);
    },

    async exportMarkdown(runId, path) {
      const target = resolve(path ?? `novaops-${runId}.md`);
      await writeFile(target, await services.markdown(runId), { mode: 0o600 });
      return target;
    },
  };
  return services;
}

/** Resumable live runs first (they are what an operator came back for), then the rest; newest first in each. */
export function summarizeRuns(runs: readonly RunState[]): RunSummary[] {
  const summaries = runs.map(
    (r): RunSummary => ({
      runId: r.runId,
      runbook: r.runbook,
      mode: r.mode,
      status: r.status,
      ...(r.heldBack ? { heldBack: r.heldBack.length } : {}),
      scope: r.scope,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      operator: r.operator,
      host: r.host,
      resumable: isResumable(r),
    }),
  );
  return summaries.sort((a, b) => Number(b.resumable) - Number(a.resumable) || b.createdAt.localeCompare(a.createdAt));
}

async function healthOf(config: NovaopsConfig): Promise<HealthLine> {
  const [{ createEffects }, { doctorChecks }] = await Promise.all([import('../effects/create-effects.js'), import('./doctor-checks.js')]);
  const effects = createEffects(config);
  try {
    const checks = doctorChecks(config, effects);
    const results = await Promise.all(checks.map((check) => check.run().then(() => true, () => false)));
    const failed = checks.filter((_, i) => !results[i]).map((c) => c.name);
    return { ok: failed.length === 0, passed: checks.length - failed.length, total: checks.length, failed };
  } finally {
    await effects.close().catch(() => undefined);
  }
}
