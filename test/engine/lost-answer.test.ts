// "A mutating operation whose answer was lost is resolved by reading, never repeated blind":
// the real runner, a real MariaDB (the run's lock), and a real HTTP server standing in for Nova
// that applies a reboot and then drops the connection before answering.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load-config.js';
import { configSecrets, type NovaopsConfig } from '../../src/config/types.js';
import { createEffects } from '../../src/effects/create-effects.js';
import { createOpenStackEffect } from '../../src/effects/openstack/create-openstack-effect.js';
import type { Effects } from '../../src/effects/types.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { ExitCode } from '../../src/engine/errors.js';
import { assumeYes } from '../../src/engine/prompter.js';
import { Redactor } from '../../src/engine/redact.js';
import type { Runbook, Step } from '../../src/engine/runbook.js';
import { startRun, type RunResult } from '../../src/engine/runner.js';
import { rebootServer, showServer } from '../../src/operations/openstack/servers.js';
import { formatEvent } from '../../src/cli/presenters/format-event.js';

const uuid = '00000000-0000-4000-8000-0000000000aa';
const schema = `novaops_lost_${process.pid}_${Date.now().toString(36)}`;

/** What Nova does with the next reboot request. */
let nextReboot: 'apply-then-drop' | 'drop' | 'answer' = 'answer';
let rebootsReceived = 0;
let rebootsApplied = 0;
let resetEveryGet = false;
let server: http.Server;
let base: string;
let dir: string;
let admin: mysql.Connection;
let config: NovaopsConfig;
let effects: Effects;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, base);
      const json = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (url.pathname === '/v3/auth/tokens') {
        return json(201, { token: { project: { id: 'p' }, user: { id: 'u' }, catalog: [{ type: 'compute', endpoints: [{ interface: 'public', url: `${base}/compute` }] }] } }, { 'X-Subject-Token': 't' });
      }
      if (req.method === 'POST' && url.pathname === `/compute/servers/${uuid}/action`) {
        rebootsReceived++;
        const what = nextReboot;
        nextReboot = 'answer';
        if (what !== 'drop') rebootsApplied++;
        if (what === 'answer') return json(202);
        return req.socket.destroy();
      }
      if (req.method === 'GET' && url.pathname === `/compute/servers/${uuid}`) {
        if (resetEveryGet) return req.socket.destroy();
        return json(200, { server: { id: uuid, name: 'vm', status: rebootsApplied > 0 ? 'HARD_REBOOT' : 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': rebootsApplied > 0 ? 'reboot_started_hard' : null } });
      }
      json(404, { itemNotFound: { message: 'no such path' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await admin.query(`CREATE DATABASE \`${schema}\``);
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-lost-'));
  const file = path.join(dir, 'config.yaml');
  const db = `mysql://root:@127.0.0.1:3306/${schema}`;
  await writeFile(file, `databases:\n  nova: { url: "${db}" }\n  cinder: { url: "${db}" }\napi: { timeout_ms: 2000 }\n`);
  config = await loadConfig({
    configPath: file,
    env: { OS_AUTH_URL: `${base}/v3`, OS_USERNAME: 'u', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'p', NOVAOPS_STATE_DIR: path.join(dir, 'state'), NOVAOPS_NO_ANSWER_STOP_MS: '500' },
    cwd: dir,
    userConfigPath: path.join(dir, 'none.yaml'),
    systemCloudsYaml: path.join(dir, 'none.yaml'),
  });
  const real = createEffects(config);
  // Small back-off numbers so that the silent cloud is found within the test's patience.
  effects = { ...real, openstack: createOpenStackEffect(config.cloud, { ...config.api, retry: { baseDelayMs: 20, maxDelayMs: 40, maxAttempts: 1000 } }) };
});

afterAll(async () => {
  await effects?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await admin?.query(`DROP DATABASE IF EXISTS \`${schema}\``);
  await admin?.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  nextReboot = 'answer';
  rebootsReceived = 0;
  rebootsApplied = 0;
  resetEveryGet = false;
});

/** The reboot step of a runbook, resolving by reading the server as drp's reboot does. */
function rebootStep(withResolve: boolean): Step {
  return {
    id: 'reboot',
    title: 'hard-reboot the instance',
    changes: 'reboots it',
    unguarded: 'a test step',
    async plan() {
      return { items: [{ key: `reboot:${uuid}`, summary: `reboot ${uuid}`, target: { instance: uuid }, ops: [rebootServer(uuid, 'HARD')] }] };
    },
    ...(withResolve
      ? {
          async resolve(ctx) {
            const { value } = await ctx.read(showServer(uuid));
            return value.status === 'HARD_REBOOT' ? 'done' : 'not-done';
          },
        }
      : {}),
  };
}

let runbooks = 0;
async function run(steps: Step[]): Promise<RunResult & { events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const runbook: Runbook = { id: `lost-${++runbooks}`, title: 'lost', version: '0', reference: 'test', summary: 'test', options: [], params: z.object({}).passthrough(), steps };
  const result = await startRun({ runbook, params: {}, mode: 'live' }, { config, effects, prompter: assumeYes, redactor: new Redactor(configSecrets(config)), onBus: (bus) => bus.subscribe((e) => events.push(e)) });
  return { ...result, events };
}

const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

describe('a mutating operation whose answer was lost', () => {
  it('is resolved by reading: the server had applied it, resolve says done, it was applied exactly once', async () => {
    nextReboot = 'apply-then-drop';
    const result = await run([rebootStep(true)]);
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'completed', exitCode: ExitCode.ok });
    expect(rebootsReceived).toBe(1);
    expect(rebootsApplied).toBe(1);
    expect(ofType(result.events, 'answer-lost')).toHaveLength(1);
    expect(ofType(result.events, 'resolved').map((e) => ({ verdict: e.verdict, detail: e.detail }))).toEqual([{ verdict: 'done', detail: 'resolved by reading: done (not sent again)' }]);
    expect(ofType(result.events, 'item').map((e) => e.status)).toEqual(['done']);
    // What --plain and `transcripts show` print for it.
    const lines = result.events.flatMap(formatEvent);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}LOST reboot#\d+ "hard-reboot server .+": POST compute \/servers\/\{id\}\/action: no answer \(.+\); whether it was applied is unknown; resolving by reading, not repeating$/));
    expect(lines).toContain('  answer lost; resolved by reading: done (not sent again)');
  });

  it('is sent once more when reading says it did not happen (no longer blind)', async () => {
    nextReboot = 'drop';
    const result = await run([rebootStep(true)]);
    expect(result.outcome).toBe('completed');
    expect(rebootsReceived).toBe(2);
    expect(rebootsApplied).toBe(1);
    expect(ofType(result.events, 'resolved').map((e) => e.verdict)).toEqual(['not-done']);
  });

  it('fails its item, resumable, when the step cannot read whether it happened; nothing is sent again', async () => {
    nextReboot = 'apply-then-drop';
    const result = await run([rebootStep(false)]);
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed });
    expect(rebootsReceived).toBe(1);
    const [item] = ofType(result.events, 'item');
    expect(item.status).toBe('failed');
    expect(item.detail).toMatch(/not repeated \(the step has no way to read whether it happened\): novaops resume reads the state/);
    expect(result.summary).toMatch(/finish it with: novaops resume /);
  });
});

describe('a cloud that answers nothing', () => {
  it('stops the run after the budget (NOVAOPS_NO_ANSWER_STOP_MS), resumable, with a message saying so', async () => {
    expect(config.api.noAnswerStopMs).toBe(500);
    resetEveryGet = true;
    const reads: Step = { id: 'look', title: 'look at the instance', changes: 'nothing', readOnly: true, async plan(ctx) {
      await ctx.read(showServer(uuid));
      return { items: [] };
    } };
    const started = Date.now();
    const result = await run([reads, rebootStep(true)]);
    expect({ outcome: result.outcome, exitCode: result.exitCode }).toEqual({ outcome: 'failed', exitCode: ExitCode.failed });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.summary).toMatch(new RegExp(`answered nothing for 500 ms \\(last: GET compute /servers/\\{id\\}: .+\\); the run stopped rather than retry on — novaops resume ${result.runId} continues from here$`));
    const retries = ofType(result.events, 'retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ step: 'look', attempt: 2, summary: `show server ${uuid}` });
    expect(result.events.flatMap(formatEvent)).toContainEqual(expect.stringMatching(/^ {2}retry look#\d+ attempt 2\/1000 in \d+ ms — GET compute \/servers\/\{id\}: /));
    expect(rebootsReceived).toBe(0);
  });
});

describe('the silence budget is configuration', () => {
  it('refuses a NOVAOPS_NO_ANSWER_STOP_MS that is not milliseconds, exit 2, naming it', async () => {
    const failed = await loadConfig({
      configPath: path.join(dir, 'config.yaml'),
      env: { OS_AUTH_URL: `${base}/v3`, OS_USERNAME: 'u', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'p', NOVAOPS_STATE_DIR: path.join(dir, 'state'), NOVAOPS_NO_ANSWER_STOP_MS: '1m' },
      cwd: dir,
      userConfigPath: path.join(dir, 'none.yaml'),
      systemCloudsYaml: path.join(dir, 'none.yaml'),
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ exitCode: ExitCode.usage, message: 'NOVAOPS_NO_ANSWER_STOP_MS=1m is not a number of milliseconds (100 or more)' });
  });
});
