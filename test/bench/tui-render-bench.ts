// Part of the bench (issue 7, acceptance 5): can the run screen keep up with a 1,000-instance drp?
// The events a live drp emits for 1,000 instances and 2,000 volumes (shapes as the engine emits
// them, ids and pacing generated) are fed into the run screen, rendered by ink into an in-memory
// 100x30 terminal as a real one would be (erase and redraw, no debug mode):
//   paced: at the rate of a run finishing in PACED_MS (faster than drp's 60 s goal), reporting the
//          CPU the process spent as a share of one core over the wall time, with and without the
//          screen (the difference is the rendering);
//   flood: all at once in engine-sized bursts, for the most the screen can take.
// Frames rendered, frames/s, events/s and the backlog (events applied but not yet drawn when a
// frame was made; none may remain at the end) are printed next to their goals. Asserts nothing.
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { EngineEvent, EngineEventBody } from '../../src/engine/events.js';
import { FakeStdin } from '../support/fake-stdin.js';

// As the CLI runs the screen: react's production build (loaded below, after this is set).
process.env.NODE_ENV ??= 'production';

const INSTANCES = 1000;
const VOLUMES = 2000;
const CONCURRENCY = 20;
const PACED_MS = 20_000;
const GOALS = { cpuPctOfCore: 30, backlogAtEnd: 0 };

class TerminalOut extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  writes = 0;
  bytes = 0;
  write = (chunk: string): boolean => {
    this.writes += 1;
    this.bytes += chunk.length;
    return true;
  };
}

function uuid(kind: number, n: number): string {
  const hex = (n * 2654435761 + kind * 40503).toString(16).padStart(12, '0').slice(-12);
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

/** The event bodies of a live drp over the whole cloud, in the engine's order. */
export function drpEvents(instances = INSTANCES, volumes = VOLUMES): EngineEventBody[] {
  const out: EngineEventBody[] = [];
  let op = 0;
  const read = (step: string, command: string, output?: string) => {
    const opId = `${step}#${++op}`;
    out.push({ type: 'op.start', step, item: null, opId, summary: command, command, mutating: false });
    if (output) out.push({ type: 'op.output', opId, stream: 'stderr', chunk: output });
    out.push({ type: 'op.end', step, item: null, opId, ok: true, status: 200, durationMs: 40 });
  };
  out.push({ type: 'run.start', runId: '20261122-050000-drp-bench', runbook: 'drp', version: '1.0.0', params: {}, mode: 'live', scope: null, operator: 'oncall', host: 'jump1', cloud: 'bench', resumed: false, attempt: 1 });
  const step = (id: string, title: string, index: number, body: () => void, detail: string) => {
    out.push({ type: 'step.start', step: id, title, index, optional: false, warnings: [] });
    body();
    out.push({ type: 'step.end', step: id, outcome: 'done', detail, durationMs: 1000 });
  };
  step('preflight', 'Preflight: reach the databases and APIs, find the affected instances and their volumes', 0, () => {
    for (let i = 0; i < 5; i++) read('preflight', `openstack server list --all-projects --limit 1000 --marker ${i}`);
    out.push({ type: 'note', step: 'preflight', level: 'info', message: `${instances} instance(s) seen, ${instances} SHUTOFF after the power loss (affected)` });
  }, '0 item(s)');
  step('capture-map', 'Capture the volume map: volume, instance and mount point of every attached volume', 1, () => {
    read('capture-map', 'mysql cinder -e "SELECT volume_id, instance_uuid, mountpoint FROM volume_attachment"');
    out.push({ type: 'note', step: 'capture-map', level: 'info', message: `volume map: ${volumes} attachment(s) written` });
  }, '0 item(s)');
  step('clean-db', 'Clean the stale DB state of the mapped volumes', 2, () => {
    for (let h = 0; h < 10; h++) read('clean-db', `ssh compute${h} iscsiadm -m session`, 'iscsiadm: No active sessions.\n');
    out.push({ type: 'guard', step: 'clean-db', name: 'no live iSCSI session', ok: true, detail: 'checked 10 compute node(s), 0 live session(s) found', heldBack: [] });
    for (const table of ['volume_attachment', 'volumes', 'block_device_mapping']) {
      out.push({ type: 'op.planned', step: 'clean-db', item: 'clean', opId: `clean-db#${++op}`, op: { kind: 'sql', summary: `clean ${table}`, command: `mysql cinder -e 'UPDATE ${table} ...'`, mutating: true, target: {}, db: 'cinder', sql: `UPDATE ${table} SET ...`, params: [] } });
    }
    out.push({ type: 'confirm', step: 'clean-db', question: 'Step 2: Clean the stale DB state — 1 item(s). Go ahead?', answer: true, how: '--yes' });
    for (const table of ['volume_attachment', 'volumes', 'block_device_mapping']) {
      const opId = `clean-db#${++op}`;
      out.push({ type: 'op.start', step: 'clean-db', item: 'clean', opId, summary: `clean ${table}`, command: `UPDATE ${table} ...`, mutating: true });
      out.push({ type: 'op.end', step: 'clean-db', item: 'clean', opId, ok: true, durationMs: 30, rows: volumes });
    }
    out.push({ type: 'item', step: 'clean-db', key: 'clean', status: 'done', detail: 'committed' });
  }, '1 done, 0 failed, 0 held back');
  const perItem = (id: string, title: string, index: number, count: number, action: (n: number) => { key: string; command: string; summary: string }, poll: (n: number) => string) => {
    step(id, title, index, () => {
      for (let n = 0; n < count; n++) {
        const a = action(n);
        out.push({ type: 'op.planned', step: id, item: a.key, opId: `${id}#${++op}`, op: { kind: 'api', summary: a.summary, command: a.command, mutating: true, target: {}, method: 'POST', service: 'compute', path: '/x' } });
      }
      out.push({ type: 'confirm', step: id, question: `Step ${index}: ${title} — ${count} item(s). Go ahead?`, answer: true, how: '--yes' });
      // Waves of CONCURRENCY: starts, acknowledgements, bulk polls, then the items done.
      for (let w = 0; w < count; w += CONCURRENCY) {
        const wave = Array.from({ length: Math.min(CONCURRENCY, count - w) }, (_, i) => w + i);
        const ids = wave.map((n) => ({ n, opId: `${id}#${++op}`, ...action(n) }));
        for (const x of ids) out.push({ type: 'op.start', step: id, item: x.key, opId: x.opId, summary: x.summary, command: x.command, mutating: true });
        for (const x of ids) out.push({ type: 'op.end', step: id, item: x.key, opId: x.opId, ok: true, status: 202, durationMs: 80 });
        for (const x of ids.slice(0, 5)) read(id, poll(x.n));
        for (const x of ids) out.push({ type: 'item', step: id, key: x.key, status: 'done', detail: id === 'reboot' ? 'rebooted, ACTIVE' : 'attached' });
      }
    }, `${count} done, 0 failed, 0 held back`);
  };
  perItem('reboot', 'Restart the instances (hard reboot, once each)', 3, instances, (n) => ({ key: `reboot:${uuid(1, n)}`, summary: `hard-reboot server ${uuid(1, n)}`, command: `openstack server reboot --hard ${uuid(1, n)}` }), (n) => `openstack server show ${uuid(1, n)}`);
  perItem('reattach', 'Reattach the volumes to their instances at their mount points', 4, volumes, (n) => ({ key: `attach:${uuid(2, n)}:${uuid(1, n % instances)}`, summary: `attach volume ${uuid(2, n)}`, command: `openstack server add volume ${uuid(1, n % instances)} ${uuid(2, n)} --device /dev/vd${String.fromCharCode(98 + (n % 20))}` }), (n) => `openstack volume show ${uuid(2, n)}`);
  out.push({ type: 'run.end', outcome: 'completed', summary: `completed: ${instances + volumes + 1} item(s) done`, durationMs: PACED_MS, counts: { done: instances + volumes + 1, failed: 0, held: 0, skipped: 0 }, apiRequests: {}, runDir: '/var/lib/novaops/runs/20261122-050000-drp-bench' });
  return out;
}

function stamp(bodies: EngineEventBody[], start: number, spanMs: number): EngineEvent[] {
  return bodies.map((b, i) => ({ ...b, seq: i + 1, ts: new Date(start + (spanMs * i) / bodies.length).toISOString() }) as EngineEvent);
}

export interface RenderFigures {
  phase: string;
  events: number;
  wallMs: number;
  /** Snapshots the screen rendered (React renders of the run screen). */
  frames: number;
  framesPerS: number;
  /** Writes ink made to the terminal (a frame may be a static write and a live redraw). */
  terminalWrites: number;
  eventsPerS: number;
  cpuPctOfCore: number;
  maxBacklog: number;
  backlogAtEnd: number;
  maxLoopDelayMs: number;
  lastFrameShowsEnd: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Feeds the events with the screen (or without: the store alone, the baseline) and measures.
 * paced: the events spread over spanMs in 10 ms slices; otherwise in bursts of 200 per turn.
 */
export async function measure(phase: string, bodies: EngineEventBody[], opts: { paced: boolean; screen: boolean; spanMs?: number }): Promise<RenderFigures> {
  const { createElement } = await import('react');
  const { render } = await import('ink');
  const { RunScreen } = await import('../../src/ui/run/run-screen.js');
  const { createUiRun } = await import('../../src/ui/run/ui-run.js');
  const spanMs = opts.spanMs ?? PACED_MS;
  const events = stamp(bodies, Date.now(), opts.paced ? spanMs : 1);
  const run = createUiRun({ mode: 'live' });
  const out = new TerminalOut();
  let endDrawn = false;
  const write = out.write;
  out.write = (chunk: string) => {
    if (chunk.includes('COMPLETED')) endDrawn = true;
    return write(chunk);
  };
  const ink = opts.screen
    ? render(createElement(RunScreen, { run, onExit: () => undefined, exitKeys: false }), {
        stdout: out as unknown as NodeJS.WriteStream,
        stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
        stderr: new TerminalOut() as unknown as NodeJS.WriteStream,
        exitOnCtrlC: false,
        patchConsole: false,
      })
    : undefined;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const writesBefore = out.writes;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (opts.paced) {
    const slices = Math.ceil(spanMs / 10);
    const perSlice = events.length / slices;
    let fed = 0;
    for (let s = 1; s <= slices; s++) {
      const upTo = Math.min(events.length, Math.round(perSlice * s));
      for (; fed < upTo; fed++) run.feed(events[fed]);
      const due = t0 + s * 10 - performance.now();
      await (due > 0 ? sleep(due) : immediate());
    }
  } else {
    for (let i = 0; i < events.length; i += 200) {
      for (const event of events.slice(i, i + 200)) run.feed(event);
      await immediate();
    }
  }
  // Until everything fed is drawn (a burst's log lines follow over a few frames).
  while (run.backlog > 0) await sleep(10);
  await sleep(50);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const backlogAtEnd = run.backlog;
  ink?.unmount();
  run.dispose();
  const frames = run.snapshots;
  return {
    phase,
    events: events.length,
    wallMs: Math.round(wallMs),
    frames,
    framesPerS: Math.round((frames * 1000) / wallMs),
    terminalWrites: out.writes - writesBefore,
    eventsPerS: Math.round((events.length * 1000) / wallMs),
    cpuPctOfCore: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
    maxBacklog: run.maxBacklog,
    backlogAtEnd,
    maxLoopDelayMs: Math.round(loop.max / 1e6),
    lastFrameShowsEnd: !opts.screen || endDrawn,
  };
}

export async function tuiRenderBench(): Promise<RenderFigures[]> {
  const bodies = drpEvents();
  const figures: RenderFigures[] = [];
  figures.push(await measure('paced, store only (baseline)', bodies, { paced: true, screen: false }));
  figures.push(await measure('paced, run screen', bodies, { paced: true, screen: true }));
  figures.push(await measure('flood, run screen', bodies, { paced: false, screen: true }));
  return figures;
}

async function main(): Promise<void> {
  console.log(`run screen: a 1,000-instance, 2,000-volume drp's events (paced over ${PACED_MS / 1000} s, then flooded) into a 100x30 terminal`);
  const figures = await tuiRenderBench();
  for (const f of figures) {
    console.log(
      `  ${f.phase.padEnd(30)} ${f.events} events in ${f.wallMs} ms: ${f.frames} frames (${f.framesPerS}/s, ${f.terminalWrites} terminal writes), ${f.eventsPerS} events/s, ` +
        `CPU ${f.cpuPctOfCore}% of one core, backlog max ${f.maxBacklog} (events + log lines not yet drawn), at end ${f.backlogAtEnd}, event-loop delay max ${f.maxLoopDelayMs} ms` +
        `${f.lastFrameShowsEnd ? '' : ', LAST FRAME WITHOUT THE END'}`,
    );
  }
  const [base, paced] = figures;
  const rendering = Math.round((paced.cpuPctOfCore - base.cpuPctOfCore) * 10) / 10;
  console.log(`  rendering while paced: ${rendering}% of one core (goal under ${GOALS.cpuPctOfCore}%: ${rendering < GOALS.cpuPctOfCore ? 'met' : 'NOT MET'}); ` + `backlog at end ${paced.backlogAtEnd} (goal ${GOALS.backlogAtEnd}: ${paced.backlogAtEnd === GOALS.backlogAtEnd ? 'met' : 'NOT MET'})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
