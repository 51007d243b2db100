// `npm run bench`: drp on a lab of 1,000 instances and 2,000 volumes, with API latency and
// realistic reboot/attach completion times. A benchmark, not a test: it prints figures next to
// their goals and asserts nothing; it exits non-zero only when something crashes or the whole
// bench overruns its time limit.
//
// The lab's simulator runs as a daemon (its own process), so the bench process only spawns the
// CLI, polls its /proc status and reads the simulator's counters.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { applyScenario, labDown, labUp, type LabInfo, type ScenarioSummary, type StatsSnapshot, parseDbUrl } from '../../src/lab/index.js';

/** NOVAOPS_BENCH_SCALE=0.1 runs the same bench at a tenth of the size (a quick check that it works). */
const SCALE = Number(process.env.NOVAOPS_BENCH_SCALE ?? 1);
const INSTANCES = Math.max(10, Math.round(1000 * SCALE));
const VOLUMES = Math.max(20, Math.round(2000 * SCALE));
/** The second drp run: this share of requests, statements and host commands faulted, every kind. */
const FAULTS = { rate: 0.05, seed: 1, slowMs: 300 };
const MAX_RESUMES = 8;
const HOSTS = 10;
const SETTINGS = { latencyMs: 20, rebootMs: 2000, attachMs: 1000 };
const LIST_RUNS = 10;
const GOALS = { listMs: 300 };
/** Issue 12's goals for drp: the live run, the dry-run's plan, and the live run's peak RSS (keep). */
const DRP_GOALS = { drpMs: 15_000, dryRunMs: 1_000, drpRssMiB: 120 };
/** The lab config's api.concurrency (src/lab/conf-files.ts): requests of a step in flight at once. */
const CONCURRENCY = 16;
/** The whole bench (lab up, scenario, every CLI run, teardown) must finish within this. */
const OVERALL_TIMEOUT_MS = 15 * 60_000;
/** Any single CLI run is killed after this. */
const CLI_TIMEOUT_MS = 10 * 60_000;

const DB_SERVER = process.env.NOVAOPS_LAB_DB ?? 'mysql://root@127.0.0.1:3306';
// dist/test/bench/drp-bench.js -> repo root is three levels up (bin/ is not compiled).
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'novaops');

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set (VmHWM) in kB, polled from /proc while the process ran. */
  peakRssKb: number | null;
  /** User+system CPU seconds of the process, as of the last poll before it exited. */
  cpuS: number | null;
}

const children = new Set<number>();

function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { pollRss?: boolean } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // The launcher itself, as an operator's shell runs it: its shebang carries the V8 flags.
    const child = spawn(BIN, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) children.add(pid);
    let stdout = '';
    let stderr = '';
    let peak: number | null = null;
    let cpu: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const poll = () => {
      if (pid === undefined) return;
      const kb = vmHwmKb(pid);
      if (kb !== null && (peak === null || kb > peak)) peak = kb;
      const c = cpuSeconds(pid);
      if (c !== null) cpu = c;
    };
    const poller = opts.pollRss ? setInterval(poll, 50) : undefined;
    if (opts.pollRss) poll();
    const killer = setTimeout(() => {
      stderr += `\n[bench] killed after ${CLI_TIMEOUT_MS} ms\n`;
      child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(killer);
      if (poller) clearInterval(poller);
      reject(e);
    });
    // 'exit' fires before stdio is drained; the process is gone by then, so the last poll is
    // the one before it; VmHWM only grows, so the maximum of the polls is the peak up to then.
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(killer);
      if (poller) clearInterval(poller);
      if (pid !== undefined) children.delete(pid);
      resolve({ code, signal, stdout, stderr, wallMs, peakRssKb: peak, cpuS: cpu });
    });
  });
}

function vmHwmKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // exited between polls
  }
}

/** utime + stime of a process in seconds (USER_HZ is 100 on Linux). */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The MariaDB server the lab uses, when it runs on this machine: best effort, for CPU figures. */
function findDbServerPid(port: number): number | undefined {
  const candidates: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (comm !== 'mariadbd' && comm !== 'mysqld') continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const portArg = args.find((a) => a.startsWith('--port='));
      if (portArg ? Number(portArg.slice(7)) === port : port === 3306) candidates.push(Number(name));
    } catch {
      /* gone or not ours to read */
    }
  }
  return candidates.length === 1 ? candidates[0] : undefined;
}

interface JsonEvent {
  type: string;
  [k: string]: unknown;
}

function parseEvents(stdout: string): JsonEvent[] {
  const events: JsonEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as JsonEvent);
    } catch {
      /* not an event line */
    }
  }
  return events;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const verdict = (x: number, goal: number) => (x <= goal ? 'ok' : 'MISSED');
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `      ${String(v).padStart(6)}  ${k}`)
    .join('\n');
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

async function labGet<T>(info: LabInfo, p: string): Promise<T> {
  const r = await fetch(`${info.api.url}${p}`);
  if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
  return (await r.json()) as T;
}
async function resetStats(info: LabInfo): Promise<void> {
  const r = await fetch(`${info.api.url}/_lab/stats/reset`, { method: 'POST' });
  if (!r.ok) throw new Error(`POST /_lab/stats/reset: ${r.status}`);
}

interface Phases {
  planMs: number;
  guardsMs: number;
  confirmMs: number;
  itemsMs: number;
  settleMs: number;
  verifyMs: number;
}

/**
 * Per step: wall time by life-cycle phase (step.end's phases), the items' requests (count, round
 * trip from op.end), and what the lab alone makes them cost: the items at api.concurrency with the
 * latency setting and the simulator's own handling time, plus the reboot or attach completion.
 */
function stepBreakdown(events: JsonEvent[], stats?: StatsSnapshot): string[] {
  const lines: string[] = [];
  const ops = new Map<string, { n: number; sum: number; max: number }>();
  const itemOps = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'op.end') continue;
    const step = e.step as string;
    const o = ops.get(step) ?? { n: 0, sum: 0, max: 0 };
    const d = e.durationMs as number;
    o.n++;
    o.sum += d;
    o.max = Math.max(o.max, d);
    ops.set(step, o);
    if (e.item !== null && e.item !== undefined) itemOps.set(step, (itemOps.get(step) ?? 0) + 1);
  }
  const handling = (shape: string) => {
    const n = stats?.requests[shape] ?? 0;
    return n > 0 ? (stats!.handlingMs?.[shape] ?? 0) / n : undefined;
  };
  // The requests an item of these steps sends, and what completes after it is accepted.
  const itemRequest: Record<string, { shape: string; completesMs: number }> = {
    reboot: { shape: 'POST compute /servers/{id}/action:reboot', completesMs: SETTINGS.rebootMs },
    reattach: { shape: 'POST compute /servers/{id}/os-volume_attachments', completesMs: SETTINGS.attachMs },
  };
  const col = (x: number | undefined) => (x === undefined ? '-' : ms(x)).padStart(8);
  lines.push(`    ${'step'.padEnd(12)} ${'outcome'.padEnd(8)} ${'wall'.padStart(8)} ${'plan'.padStart(8)} ${'guards'.padStart(8)} ${'items'.padStart(8)} ${'settle'.padStart(8)} ${'verify'.padStart(8)}   requests`);
  for (const e of events) {
    if (e.type !== 'step.end') continue;
    const step = e.step as string;
    const p = e.phases as Phases | undefined;
    const o = ops.get(step);
    const opText = o ? `${o.n} op(s), round trip mean ${ms(o.sum / o.n)}, max ${ms(o.max)}` : 'no ops';
    lines.push(
      `    ${step.padEnd(12)} ${String(e.outcome).padEnd(8)} ${col(e.durationMs as number)} ${col(p?.planMs)} ${col(p?.guardsMs)} ${col(p?.itemsMs)} ${col(p?.settleMs)} ${col(p?.verifyMs)}   ${opText}`,
    );
    const req = itemRequest[step];
    const n = itemOps.get(step) ?? 0;
    if (req && n > 0 && stats) {
      const h = handling(req.shape);
      const rounds = Math.ceil(n / CONCURRENCY);
      const bound = rounds * SETTINGS.latencyMs + req.completesMs;
      const labCost = h === undefined ? undefined : rounds * (SETTINGS.latencyMs + h) + req.completesMs;
      lines.push(
        `      ${n} item request(s) at concurrency ${CONCURRENCY}: the lab's bound ${ms(bound)} (${rounds} rounds × ${SETTINGS.latencyMs} ms latency + ${ms(req.completesMs)} to complete); ` +
          (h === undefined ? 'simulator handling time not reported' : `with the simulator's own handling (mean ${ms(h)} a request) ${ms(labCost!)}`),
      );
    }
  }
  return lines;
}

/** The step phases of the newest run's transcript (a dry-run's plain output has no events). */
async function transcriptEvents(stateDir: string): Promise<JsonEvent[]> {
  const dir = await latestRunDir(stateDir);
  if (!dir) return [];
  return parseEvents(await readFile(path.join(dir, 'transcript.jsonl'), 'utf8').catch(() => ''));
}

async function main(): Promise<number> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bench-'));
  benchStateDir = stateDir;
  const env: NodeJS.ProcessEnv = { ...process.env, NOVAOPS_STATE_DIR: stateDir, CI: 'true' };
  delete env.NOVAOPS_CONFIG; // the CLI must find the lab's config by itself
  const envNoCa: NodeJS.ProcessEnv = { ...env };
  delete envNoCa.NODE_EXTRA_CA_CERTS;
  let info: LabInfo | undefined;
  const say = (s: string) => console.log(s);
  try {
    console.log(`[bench] state dir ${stateDir}`);
    let t = performance.now();
    // With the MySQL proxy from the start (faults off: it passes statements through), so the
    // faulted run meets database faults too and both runs reach MariaDB the same way.
    info = await labUp({ stateDir, hosts: HOSTS, simulator: 'daemon', dbServer: DB_SERVER, settings: SETTINGS, dbProxy: true });
    const labUpMs = performance.now() - t;
    t = performance.now();
    const scenario: ScenarioSummary = await applyScenario(info, 'power-loss', { instances: INSTANCES, volumes: VOLUMES, seed: 1 });
    const scenarioMs = performance.now() - t;
    console.log(`[bench] lab up ${ms(labUpMs)}, scenario power-loss ${ms(scenarioMs)}`);

    // novaops list: as-is and without NODE_EXTRA_CA_CERTS (one warm-up each, not counted).
    const listTimes = async (e: NodeJS.ProcessEnv) => {
      const warm = await runCli(['list'], e);
      if (warm.code !== 0) throw new Error(`novaops list exited ${warm.code}: ${warm.stderr}`);
      const xs: number[] = [];
      for (let i = 0; i < LIST_RUNS; i++) xs.push((await runCli(['list'], e)).wallMs);
      return xs;
    };
    const listAsIs = await listTimes(env);
    const listNoCa = await listTimes(envNoCa);

    // novaops run drp --dry-run
    await resetStats(info);
    const dry = await runCli(['run', 'drp', '--dry-run'], env, { pollRss: true });
    const dryStats = await labGet<StatsSnapshot>(info, '/_lab/stats');
    const dryEvents = await transcriptEvents(stateDir);
    if (dry.code !== 0) console.log(`[bench] dry-run exited ${dry.code}\n${dry.stdout.slice(-3000)}\n${dry.stderr.slice(-3000)}`);

    // novaops run drp --yes --json
    await resetStats(info);
    const dbPid = findDbServerPid(info.db.port);
    const cpuBefore = { sim: cpuSeconds(info.api.pid), db: cpuSeconds(dbPid) };
    const load = os.loadavg();
    const live = await runCli(['run', 'drp', '--yes', '--json'], env, { pollRss: true });
    const cpuAfter = { sim: cpuSeconds(info.api.pid), db: cpuSeconds(dbPid) };
    const stats = await labGet<StatsSnapshot>(info, '/_lab/stats');
    const events = parseEvents(live.stdout);
    const end = events.find((e) => e.type === 'run.end');
    if (live.code !== 0 || !end) {
      console.log(`[bench] drp exited ${live.code}${live.signal ? ` (${live.signal})` : ''}; last output:`);
      console.log(live.stdout.split('\n').slice(-30).join('\n'));
      console.log(live.stderr.slice(-3000));
    }

    const check = await sanity(info, scenario, stats);
    const { shutoff, affected, expectAttaches } = check;

    // The same run at FAULTS: the scenario again (same seed), faults on, resumed while resumable.
    await applyScenario(info, 'power-loss', { instances: INSTANCES, volumes: VOLUMES, seed: 1 });
    await resetStats(info);
    await setFaults(info, { ...FAULTS });
    const faulted = await runToEnd(env);
    const faultedStats = await labGet<StatsSnapshot>(info, '/_lab/stats');
    await setFaults(info, null);
    const faultedCheck = await sanity(info, scenario, faultedStats);

    // ---- report ----
    say('');
    say(`novaops drp bench: ${scenario.counts.instances} instances, ${scenario.counts.volumes} volumes, ${HOSTS} hosts, ${info.flavour} schema`);
    say(`  simulator: API latency ${SETTINGS.latencyMs} ms, reboot ${SETTINGS.rebootMs} ms, attach ${SETTINGS.attachMs} ms; node ${process.version}, ${os.cpus().length} CPU(s)`);
    say(`  scenario: ${shutoff.size} SHUTOFF instances (${affected.size} with data volumes), ${scenario.attached.length} attachments to restore on ${expectAttaches.size} volumes`);
    say(`  lab up ${ms(labUpMs)}, scenario ${ms(scenarioMs)} (not part of any figure below)`);
    say('');
    say(`drp --yes --json           wall ${ms(live.wallMs).padStart(8)}   goal ≤ ${ms(DRP_GOALS.drpMs)}   ${verdict(live.wallMs, DRP_GOALS.drpMs)}`);
    say(`  exit ${live.code}${live.signal ? ` signal ${live.signal}` : ''}, outcome ${end?.outcome ?? '(no run.end)'}, run.end durationMs ${end ? ms(end.durationMs as number) : '-'}, counts ${end ? JSON.stringify(end.counts) : '-'}`);
    say(
      `  peak RSS (VmHWM)         ${live.peakRssKb === null ? 'n/a' : `${(live.peakRssKb / 1024).toFixed(1)} MiB   goal ≤ ${DRP_GOALS.drpRssMiB} MiB   ${verdict(live.peakRssKb / 1024, DRP_GOALS.drpRssMiB)}`}`,
    );
    const delta = (a: number | null, b: number | null) => (a === null || b === null ? 'n/a' : `${(b - a).toFixed(1)} s`);
    say(
      `  CPU during the run       novaops ${live.cpuS === null ? 'n/a' : `${live.cpuS.toFixed(1)} s`}, simulator ${delta(cpuBefore.sim, cpuAfter.sim)}, ` +
        `MariaDB ${dbPid ? delta(cpuBefore.db, cpuAfter.db) : 'n/a'}${info.db.private ? '' : ' (shared server: includes other users)'}; ` +
        `${os.cpus().length} CPU(s), load average before ${load.map((l) => l.toFixed(2)).join(' ')}`,
    );
    say('  steps (wall time by phase from step.end, requests from op.end; the lab\'s bound from its settings):');
    for (const l of stepBreakdown(events, stats)) say(l);
    const waits = Math.max(0, (end ? (end.durationMs as number) : live.wallMs) - events.filter((e) => e.type === 'step.end').reduce((n, e) => n + (e.durationMs as number), 0));
    say(`    outside the steps (admission, lock, run directory, state saves): ${ms(waits)}; CLI start and exit: ${end ? ms(live.wallMs - (end.durationMs as number)) : '-'}`);
    say(`  API requests, simulator counters (${total(stats.requests)} total, ${stats.mutatingRequests} mutating):`);
    say(counts(stats.requests));
    const cliReq = (end?.apiRequests ?? {}) as Record<string, number>;
    say(`  API requests, CLI run.end apiRequests (${total(cliReq)} total):`);
    say(counts(cliReq));
    say('');
    say(`novaops list (median of ${LIST_RUNS})`);
    say(`  as-is (NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'})   ${ms(median(listAsIs)).padStart(8)}   goal < ${ms(GOALS.listMs)}   ${verdict(median(listAsIs), GOALS.listMs)}   (min ${ms(Math.min(...listAsIs))}, max ${ms(Math.max(...listAsIs))})`);
    say(`  NODE_EXTRA_CA_CERTS unset         ${ms(median(listNoCa)).padStart(8)}   goal < ${ms(GOALS.listMs)}   ${verdict(median(listNoCa), GOALS.listMs)}   (min ${ms(Math.min(...listNoCa))}, max ${ms(Math.max(...listNoCa))})`);
    say('');
    say(`drp --dry-run              wall ${ms(dry.wallMs).padStart(8)}   goal ≤ ${ms(DRP_GOALS.dryRunMs)}   ${verdict(dry.wallMs, DRP_GOALS.dryRunMs)}`);
    say(`  exit ${dry.code}, CPU ${dry.cpuS === null ? 'n/a' : `${dry.cpuS.toFixed(2)} s`}, peak RSS ${dry.peakRssKb === null ? 'n/a' : `${(dry.peakRssKb / 1024).toFixed(1)} MiB`}, API requests ${total(dryStats.requests)} (${dryStats.mutatingRequests} mutating), stdout ${dry.stdout.split('\n').length} lines`);
    const dryEnd = dryEvents.find((e) => e.type === 'run.end');
    say('  steps (from the dry-run\'s transcript):');
    for (const l of stepBreakdown(dryEvents)) say(l);
    if (dryEnd) say(`    CLI start, admission and exit: ${ms(dry.wallMs - (dryEnd.durationMs as number))} of the ${ms(dry.wallMs)}`);
    say('');
    say(`drp --yes at ${FAULTS.rate * 100} % faults    wall ${ms(faulted.wallMs).padStart(8)}   (fault-free ${ms(live.wallMs)}; resumes included)`);
    say(`  runs ${faulted.codes.length} (exits ${faulted.codes.join(', ')}), faults injected ${JSON.stringify(faultedStats.faultsInjected)}`);
    say(`  transcript: ${faulted.retries} retries, ${faulted.answerLost} answer(s) lost, ${faulted.resolved} resolved by reading back`);
    say('');
    say(`sanity (fault-free): ${check.text}`);
    for (const l of check.details) say(l);
    say(`sanity (faults):     ${faultedCheck.text}`);
    for (const l of faultedCheck.details) say(l);
    const runDir = (end?.runDir as string | undefined) ?? (await latestRunDir(stateDir));
    if (runDir) console.log(`[bench] transcript: ${path.join(runDir, 'transcript.jsonl')} (removed with the lab; set NOVAOPS_BENCH_KEEP=1 to keep)`);
    return 0;
  } finally {
    if (process.env.NOVAOPS_BENCH_KEEP) {
      console.log(`[bench] NOVAOPS_BENCH_KEEP set: lab left up in ${stateDir} (novaops lab down --wipe with NOVAOPS_STATE_DIR=${stateDir})`);
    } else {
      await labDown({ stateDir, wipe: true, dbServer: DB_SERVER }).catch((e) => console.error(`[bench] lab down failed: ${e}`));
      await rm(stateDir, { recursive: true, force: true });
    }
  }
}

/**
 * drp reboots every SHUTOFF instance (runbooks/drp preflight), exactly once, and nothing else;
 * scenario.json's affectedInstances (those with data volumes) is a subset of them. Every (volume,
 * instance) pair of the map attached once; those volumes in-use in the DB.
 */
async function sanity(info: LabInfo, scenario: ScenarioSummary, stats: StatsSnapshot) {
  const shutoff = new Set(scenario.instances.filter((i) => i.vmState === 'stopped').map((i) => i.uuid));
  const affected = new Set(scenario.affectedInstances);
  const rebootsWrong = [...shutoff].filter((u) => stats.rebootsByServer[u] !== 1);
  const rebootsExtra = Object.keys(stats.rebootsByServer).filter((u) => !shutoff.has(u));
  const affectedRebooted = [...affected].filter((u) => stats.rebootsByServer[u] === 1).length;
  const expectAttaches = new Map<string, number>();
  for (const p of scenario.attached) expectAttaches.set(p.volume, (expectAttaches.get(p.volume) ?? 0) + 1);
  const attachWrong = [...expectAttaches].filter(([v, n]) => stats.attachesByVolume[v] !== n).map(([v]) => v);
  const attachExtra = Object.keys(stats.attachesByVolume).filter((v) => !expectAttaches.has(v));
  const notInUse = await volumesNotInUse(info, [...expectAttaches.keys()]);
  const rebootOk = rebootsWrong.length === 0 && rebootsExtra.length === 0;
  const attachOk = attachWrong.length === 0 && attachExtra.length === 0 && notInUse.length === 0;
  const text =
    `reboots ${rebootOk ? 'ok' : 'WRONG'} (${shutoff.size - rebootsWrong.length}/${shutoff.size} SHUTOFF instances rebooted exactly once, ` +
    `of them ${affectedRebooted}/${affected.size} with data volumes; ${rebootsExtra.length} not-SHUTOFF instance(s) rebooted); ` +
    `attaches ${attachOk ? 'ok' : 'WRONG'} (${expectAttaches.size - attachWrong.length}/${expectAttaches.size} volumes attached the expected number of times, ${attachExtra.length} unexpected, ${notInUse.length} not in-use in the DB)`;
  const details: string[] = [];
  if (!rebootOk) details.push(`  reboot mismatches (first 5): ${[...rebootsWrong, ...rebootsExtra].slice(0, 5).map((u) => `${u}=${stats.rebootsByServer[u] ?? 0}`).join(', ')}`);
  if (!attachOk) details.push(`  attach mismatches (first 5): ${[...attachWrong, ...attachExtra, ...notInUse].slice(0, 5).map((v) => `${v}=${stats.attachesByVolume[v] ?? 0}`).join(', ')}`);
  return { shutoff, affected, expectAttaches, text, details };
}

async function setFaults(info: LabInfo, spec: typeof FAULTS | null): Promise<void> {
  const r = await fetch(`${info.api.url}/_lab/faults`, {
    method: spec ? 'POST' : 'DELETE',
    body: spec ? JSON.stringify(spec) : undefined,
    headers: { 'content-type': 'application/json' },
  });
  if (!r.ok) throw new Error(`lab faults: HTTP ${r.status} ${await r.text()}`);
}

/** drp --yes, then `resume <id> --yes` while it exits 1 (resumable); wall time over all of them. */
async function runToEnd(env: NodeJS.ProcessEnv) {
  const before = new Set(await readdir(path.join(env.NOVAOPS_STATE_DIR!, 'runs')).catch(() => [] as string[]));
  let r = await runCli(['run', 'drp', '--yes'], env);
  const codes = [r.code];
  let wallMs = r.wallMs;
  const runId = (await readdir(path.join(env.NOVAOPS_STATE_DIR!, 'runs')).catch(() => [] as string[])).find((n) => !before.has(n) && !n.startsWith('.'));
  while (r.code === 1 && runId && codes.length <= MAX_RESUMES) {
    r = await runCli(['resume', runId, '--yes'], env);
    codes.push(r.code);
    wallMs += r.wallMs;
  }
  if (r.code !== 0) console.log(`[bench] faulted drp ended with exit ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const events = runId ? parseEvents(await readFile(path.join(env.NOVAOPS_STATE_DIR!, 'runs', runId, 'transcript.jsonl'), 'utf8').catch(() => '')) : [];
  return {
    codes,
    wallMs,
    retries: events.filter((e) => e.type === 'retry').length,
    answerLost: events.filter((e) => e.type === 'answer-lost').length,
    resolved: events.filter((e) => e.type === 'resolved').length,
  };
}

async function volumesNotInUse(info: LabInfo, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const conn = await mysql.createConnection({ ...parseDbUrl(DB_SERVER), database: undefined });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      info.flavour === 'modern'
        ? `SELECT id, status, attach_status FROM \`${info.db.schemas.cinder}\`.volumes WHERE id IN (?)`
        : `SELECT id, status, attach_status FROM \`${info.db.schemas.nova}\`.volumes WHERE id IN (?)`,
      [ids],
    );
    const ok = new Set(rows.filter((r) => r.status === 'in-use' && r.attach_status === 'attached').map((r) => String(r.id)));
    return ids.filter((id) => !ok.has(id));
  } finally {
    await conn.end();
  }
}

async function latestRunDir(stateDir: string): Promise<string | undefined> {
  const runs = path.join(stateDir, 'runs');
  const names = await readdir(runs).catch(() => [] as string[]);
  return names.length ? path.join(runs, names.sort().at(-1)!) : undefined;
}

// Overall limit: kill the CLI we started (by pid), tear the lab down, exit 2.
let benchStateDir: string | undefined;
const overall = setTimeout(() => {
  console.error(`[bench] overall timeout of ${OVERALL_TIMEOUT_MS / 60_000} min reached; stopping`);
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // Normally main()'s finally tears the lab down once the killed CLI's promise settles; if the
  // hang is elsewhere (lab up, scenario), tear down from here and leave.
  const dir = benchStateDir;
  const down = dir && !process.env.NOVAOPS_BENCH_KEEP ? labDown({ stateDir: dir, wipe: true, dbServer: DB_SERVER }).catch(() => undefined) : Promise.resolve();
  void down.finally(() => setTimeout(() => process.exit(2), 5_000));
}, OVERALL_TIMEOUT_MS);
overall.unref();

main()
  .then((code) => {
    clearTimeout(overall);
    process.exitCode = code;
  })
  .catch((e) => {
    clearTimeout(overall);
    console.error('[bench] crashed:', e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
