// Part of `npm run bench`: how long an operator waits between typing `novaops` and seeing the whole
// home screen (every runbook and the footer of keys) in a real pseudo-terminal of 80x24, measured
// from the spawn to the moment a headless xterm shows it. The health line is computed in the
// background and is not waited for. Prints figures; asserts nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { catalogue } from '../../runbooks/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { spawnScreen } from '../support/pty-screen.js';

const RUNS = 10;
const GOAL_MS = 300;
const DB_SERVER = process.env.NOVAOPS_LAB_DB ?? 'mysql://root@127.0.0.1:3306';

/** The home is complete when every runbook id and the footer's help key are on screen. */
export function isFullHome(screen: string): boolean {
  return catalogue.every((entry) => screen.includes(entry.id)) && /\?\s*help/.test(screen);
}

export async function firstFrameMs(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const cli = spawnScreen([], env, { cols: 80, rows: 24 });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no full home frame after 10 s; the screen:\n${cli.screen()}`)), 10_000);
      const tick = setInterval(() => {
        if (isFullHome(cli.screen())) {
          clearTimeout(timer);
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    return performance.now() - started;
  } finally {
    cli.send('q');
    await Promise.race([cli.exited, new Promise((r) => setTimeout(r, 2000))]);
    cli.kill();
  }
}

export async function benchFirstFrame(): Promise<{ medianMs: number; p90Ms: number; runs: number[] }> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'novaops-bench-tui-'));
  const lab = await labUp({ stateDir, hosts: 3, flavour: 'modern', dbServer: DB_SERVER, simulator: 'daemon' });
  try {
    const env = { NOVAOPS_STATE_DIR: stateDir, NOVAOPS_CONFIG: lab.configFile, CI: '' };
    await firstFrameMs(env); // warms the file cache, as on an operator's jump host after the first start
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await firstFrameMs(env));
    const sorted = [...runs].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor(sorted.length / 2)], p90Ms: sorted[Math.ceil(sorted.length * 0.9) - 1], runs };
  } finally {
    await labDown({ stateDir, wipe: true, dbServer: DB_SERVER });
    await rm(stateDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const r = await benchFirstFrame();
  console.log(`tui first frame: novaops to the full home screen in a pty (80x24): median ${r.medianMs.toFixed(0)} ms, p90 ${r.p90Ms.toFixed(0)} ms over ${r.runs.length} starts (goal < ${GOAL_MS} ms)`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
