// What the session needs from the outside world. Types only: the CLI implements it
// (src/cli/session-services.ts) and tests pass a plain object built on real data.
import type { CatalogueEntry } from '../../engine/runbook.js';
import type { EngineEvent } from '../../engine/events.js';
import type { RunMode, Runbook } from '../../engine/runbook.js';
import type { RunResult } from '../../engine/runner.js';
import type { RunScope, RunStatus } from '../../engine/run-state.js';
import type { UiRunDeps } from '../run/ui-run.js';

export interface HealthLine {
  ok: boolean;
  passed: number;
  total: number;
  /** Names of the checks that failed, e.g. 'nova database', 'host compute2'. */
  failed: string[];
  /** Set when the checks could not even start (no config, say). */
  error?: string;
}

export interface RunSummary {
  runId: string;
  runbook: string;
  mode: RunMode;
  status: RunStatus;
  /** completed-held-back: how many items it left undone. */
  heldBack?: number;
  scope: RunScope;
  createdAt: string;
  updatedAt: string;
  operator: string;
  host: string;
  /** A live run that stopped before its end: `novaops resume` finishes it. */
  resumable: boolean;
}

export interface ServerChoice {
  id: string;
  name: string;
  status: string;
  host: string | null;
  /** Volumes attached (Nova's os-extended-volumes:volumes_attached), when the list says. */
  volumes?: number;
}

/** What the operator asked for on a runbook page. */
export interface RunRequestInput {
  runbook: string;
  /** Form values by spec key: strings, string lists (variadic arguments) and booleans. */
  values: Record<string, unknown>;
  mode: RunMode;
  /** The rehearsal target (instance uuid/name or host), when one was chosen. */
  testScope?: string;
}

export interface TranscriptRead {
  events: EngineEvent[];
  /** The events as the plain presenter prints them (what `novaops transcripts show` shows). */
  lines: string[];
  /** Lines that are not events; the rest is still shown. */
  damaged: number;
}

export interface SessionServices {
  runbooks: readonly CatalogueEntry[];
  cloud: { name: string; source: string } | { error: string };
  readOnly: boolean;
  stateDir: string;
  /** doctor's checks; slow (databases, API, hosts), so never awaited before the first frame. */
  health(): Promise<HealthLine>;
  /** Resumable live runs first (newest first), then the rest, newest first. */
  runs(): Promise<RunSummary[]>;
  servers(filter?: string): Promise<ServerChoice[]>;
  /** Compute hosts known to the config (for --test-host). */
  hosts(): Promise<string[]>;
  loadRunbook(id: string): Promise<Runbook>;
  /** Both through the CLI's run service (src/cli/run-service.ts), as `novaops run` and `resume` are; `ui` is the run screen's UiRun.deps. */
  startRun(request: RunRequestInput, ui: UiRunDeps): Promise<RunResult>;
  resumeRun(runId: string, ui: UiRunDeps): Promise<RunResult>;
  transcript(runId: string): Promise<TranscriptRead>;
  markdown(runId: string): Promise<string>;
  /** Writes the Markdown report; resolves to the absolute path written. */
  exportMarkdown(runId: string, path?: string): Promise<string>;
}
