// Part of `npm run bench`: what an operator waits for before novaops answers, as ratios to a bare
// `node -e 0` started in the same run with the same environment (this machine's, NODE_EXTRA_CA_CERTS
// included: node reads those certificates before any script). Runs interleave bare node and novaops,
// so that a busy machine slows both alike; figures are medians. Measured on the one file,
// dist/novaops.mjs, with its code cache warm (an operator's second start); the first start on a
// machine is printed too. Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { labDown, labUp } from '../../src/lab/index.js';
import { REPO } from '../support/cli.js';
import { firstFrameMs } from './tui-first-frame-bench.js';

const ROUNDS = 11;
const BUNDLE = path.join(REPO, 'dist', 'novaops.mjs');
const DB_SERVER = process.env.NOVAOPS_LAB_DB ?? 'mysql://root@127.0.0.1:3306';
const GOALS = { list: 1.2, help: 1.2, frame: 2.5 };
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

/** The phases the bundle's loader reports with NOVAOPS_STARTUP_TIMING=1 (ms since the process started). */
interface Marks {
  bootstrapComplete: number;
  loader: number;
  source: number;
  compiled: number;
  exit: number;
  cache: string;
  /** The session's own marks (src/cli/commands/session.ts): its command started, its libraries loaded, its first frame rendered. */
  session?: number;
  'ui-loaded'?: number;
  rendered?: number;
}

interface Sample {
  ms: number;
  marks?: Marks;
}

function timed(args: string[], env: NodeJS.ProcessEnv): Sample {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env, cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const line = /^novaops-startup (.*)$/m.exec(r.stderr);
  return { ms, marks: line ? (JSON.parse(line[1]) as Marks) : undefined };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function breakdown(samples: Sample[], bareMs: number): string {
  const m = samples.map((s) => s.marks).filter((x): x is Marks => x !== undefined);
  if (m.length === 0) return '';
  const wall = median(samples.map((s) => s.ms));
  const parts: [string, number][] = [
    ["node's own start (as bare node)", median(m.map((x) => x.bootstrapComplete))],
    ['loading the file (read, decode, the loader)', median(m.map((x) => x.loader - x.bootstrapComplete))],
    ['inflating the CLI script', median(m.map((x) => x.source - x.loader))],
    ['compiling it (code cache)', median(m.map((x) => x.compiled - x.source))],
    ['running the command', median(m.map((x) => x.exit - x.compiled))],
  ];
  const accounted = parts.reduce((sum, [, ms]) => sum + ms, 0);
  parts.push(['spawn and exit (as bare node)', wall - accounted]);
  return parts.map(([what, ms]) => `      ${ms.toFixed(0).padStart(5)} ms  ${what}`).join('\n') + `\n      (bare node -e 0: ${bareMs.toFixed(0)} ms, spawn to exit)`;
}

/** The session's phases, from the loader's marks and the session's own, against the frame seen in the pty. */
function frameBreakdown(m: Marks[], frameMs: number, bareMs: number): string {
  type SessionMarks = Marks & Required<Pick<Marks, 'session' | 'ui-loaded' | 'rendered'>>;
  const complete = m.filter((x): x is SessionMarks => x.session !== undefined && x['ui-loaded'] !== undefined && x.rendered !== undefined);
  if (complete.length === 0) return '      (no marks: no session quit within the wait, or a build without them)';
  const med = (f: (x: SessionMarks) => number) => median(complete.map(f));
  const parts: [string, number][] = [
    ["node's own start (as bare node)", med((x) => x.bootstrapComplete)],
    ['loading the file (read, decode, the loader)', med((x) => x.loader - x.bootstrapComplete)],
    ['reading the kept CLI script', med((x) => x.source - x.loader)],
    ['compiling it (code cache)', med((x) => x.compiled - x.source)],
    ['the CLI up to the session (commander, config)', med((x) => x.session - x.compiled)],
    ['loading ink, React, yoga (WebAssembly) and the screens', med((x) => x['ui-loaded'] - x.session)],
    ['rendering the home (React, yoga layout, ink output)', med((x) => x.rendered - x['ui-loaded'])],
  ];
  const accounted = parts.reduce((sum, [, ms]) => sum + ms, 0);
  parts.push(['spawn, the pty and the xterm showing it', frameMs - accounted]);
  return parts.map(([what, ms]) => `      ${ms.toFixed(0).padStart(5)} ms  ${what}`).join('\n') + `\n      (bare node -e 0: ${bareMs.toFixed(0)} ms, spawn to exit)`;
}

function report(what: string, ms: number, bareMs: number, goal: number, samples?: Sample[]): void {
  const ratio = ms / bareMs;
  const met = ratio <= goal;
  console.log(`  ${what.padEnd(34)} ${ms.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}x bare node  (goal <= ${goal}x: ${met ? 'met' : 'NOT met'})`);
  if (!met && samples) console.log(`    where it goes (medians):\n${breakdown(samples, bareMs)}`);
}

export async function main(): Promise<void> {
  const cacheHome = await mkdtemp(path.join(os.tmpdir(), 'novaops-bench-cache-'));
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bench-start-'));
  const lab = await labUp({ stateDir, hosts: 3, flavour: 'modern', dbServer: DB_SERVER, simulator: 'daemon' });
  try {
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome, NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: lab.configFile };
    delete (env as Record<string, string | undefined>).CI;
    const timing = { ...env, NOVAOPS_STARTUP_TIMING: '1' };
    const cold = timed([BUNDLE, 'list'], timing); // writes the code cache, as an operator's first start does
    timed([BUNDLE, '--help'], env);
    await firstFrameMs({ XDG_CACHE_HOME: cacheHome, NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: lab.configFile, CI: '' });

    const bare: number[] = [];
    const list: Sample[] = [];
    const help: Sample[] = [];
    const frame: number[] = [];
    const frameMarks: Marks[] = [];
    const marksFile = path.join(cacheHome, 'session-marks');
    const show: Sample[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(timed(['-e', '0'], env).ms);
      list.push(timed([BUNDLE, 'list'], timing));
      bare.push(timed(['-e', '0'], env).ms);
      help.push(timed([BUNDLE, '--help'], timing));
      bare.push(timed(['-e', '0'], env).ms);
      show.push(timed([BUNDLE, 'show', 'drp'], timing));
      frame.push(await firstFrameMs({ XDG_CACHE_HOME: cacheHome, NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: lab.configFile, CI: '' }));
      // The same start once more with the loader's marks (to a file: the session's stderr is its screen).
      await writeFile(marksFile, '');
      await firstFrameMs({ XDG_CACHE_HOME: cacheHome, NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: lab.configFile, CI: '', NOVAOPS_STARTUP_TIMING: marksFile });
      const line = /^novaops-startup (.*)$/m.exec(await readFile(marksFile, 'utf8'));
      if (line) frameMarks.push(JSON.parse(line[1]) as Marks);
    }
    const bareMs = median(bare);
    const size = (await stat(BUNDLE)).size;
    console.log(`start-up: ${ROUNDS} rounds, bare node, list, --help and the session's first frame interleaved; medians`);
    console.log(`  ${'bare `node -e 0`'.padEnd(34)} ${bareMs.toFixed(0).padStart(5)} ms  (NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'})`);
    report('novaops list', median(list.map((s) => s.ms)), bareMs, GOALS.list, list);
    report('novaops --help', median(help.map((s) => s.ms)), bareMs, GOALS.help, help);
    report('first full home frame, pty 80x24', median(frame), bareMs, GOALS.frame);
    if (median(frame) / bareMs > GOALS.frame) console.log(`    where it goes (medians):\n${frameBreakdown(frameMarks, median(frame), bareMs)}`);
    console.log(`  ${'novaops list, first start (no cache)'.padEnd(34)} ${cold.ms.toFixed(0).padStart(5)} ms  (once per machine and version: it writes the code cache)`);
    console.log(`  bundle dist/novaops.mjs: ${(size / 1024 / 1024).toFixed(2)} MiB (goal < 5 MiB: ${size < MAX_BUNDLE_BYTES ? 'met' : 'NOT met'})`);
  } finally {
    await labDown({ stateDir, wipe: true, dbServer: DB_SERVER });
    await rm(stateDir, { recursive: true, force: true });
    await rm(cacheHome, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
