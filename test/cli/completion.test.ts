// Shell completion as the shells run it: bash's completion function is called on real command
// lines (COMP_WORDS / COMP_CWORD as readline sets them) and its COMPREPLY read back; fish answers
// `complete -C` on the same lines; zsh's script is checked for syntax. Run ids come from a
// temporary state directory through `novaops __complete-runs`, the command the scripts call back.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { completionScript } from '../../src/cli/completion/index.js';
import { BIN, runCli } from '../support/cli.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const RUN_IDS = ['20260101-120000-drp-1a2b', '20260102-093000-failed-node-00ff', '20260103-101500-uid-gid-beef'];

let dir: string;
let env: NodeJS.ProcessEnv;
const scripts: Record<string, string> = {};

/** The words of a command line typed up to the cursor; a trailing space starts an empty word. */
function words(line: string): string[] {
  const w = line.split(/\s+/).filter(Boolean);
  return line.endsWith(' ') ? [...w, ''] : w;
}

/** What bash's completion offers at the end of `line`, sorted. */
function bashComplete(line: string, script = scripts.bash): string[] {
  const driver = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _novaops; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'bash', script, ...words(line)], { env, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'novaops-completion-'));
  // `novaops` on PATH, as an installed one would be: the scripts call it back by that name.
  const binDir = path.join(dir, 'bin');
  await mkdir(binDir);
  await writeFile(path.join(binDir, 'novaops'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  await chmod(path.join(binDir, 'novaops'), 0o755);
  const state = path.join(dir, 'state');
  for (const id of RUN_IDS) await mkdir(path.join(state, 'novaops', 'runs', id), { recursive: true });
  // Not runs: a run directory under construction and a stray file.
  await mkdir(path.join(state, 'novaops', 'runs', `.${RUN_IDS[0]}.creating`));
  await writeFile(path.join(state, 'novaops', 'runs', 'notes.txt'), 'kept by hand\n');
  env = { PATH: `${binDir}:${process.env.PATH}`, HOME: dir, XDG_STATE_HOME: state, XDG_CONFIG_HOME: path.join(dir, 'config'), LANG: 'C.UTF-8' };
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell], env as Record<string, string>);
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = path.join(dir, `novaops.${shell}`);
    await writeFile(scripts[shell], r.stdout);
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bash completion', () => {
  test('registers _novaops for novaops', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', 'source "$1"; complete -p novaops', 'bash', scripts.bash], { env, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -F _novaops novaops');
  });

  test('commands, runbook ids, a runbook’s options and their fixed values', () => {
    expect(bashComplete('novaops ru')).toEqual(['run']);
    expect(bashComplete('novaops tr')).toEqual(['transcripts']);
    expect(bashComplete('novaops run ')).toEqual(['drp', 'failed-node', 'iscsi-cleanup', 'reset-state', 'uid-gid']);
    expect(bashComplete('novaops run failed-node --me')).toEqual(['--method']);
    expect(bashComplete('novaops run failed-node --method ')).toEqual(['db', 'evacuate']);
    expect(bashComplete('novaops run failed-node --method e')).toEqual(['evacuate']);
    // The common run flags and the rehearsal of its kind, from the program itself.
    expect(bashComplete('novaops run uid-gid --')).toEqual(
      expect.arrayContaining(['--dry-run', '--yes', '--json', '--plain', '--abandon-unfinished', '--test-host', '--hosts', '--path']),
    );
    expect(bashComplete('novaops run uid-gid --')).not.toContain('--test-instance');
    // An option's value is skipped when walking: --failed-host's value is not read as a command.
    expect(bashComplete('novaops run failed-node --failed-host compute-1 --me')).toEqual(['--method']);
    expect(bashComplete('novaops transcripts replay 20260101-120000-drp-1a2b --speed ')).toEqual(['1', '10', 'instant']);
    expect(bashComplete('novaops completion ')).toEqual(['bash', 'fish', 'zsh']);
    expect(bashComplete('novaops help failed')).toEqual(['failed-node']);
    // Free text: nothing offered rather than something wrong.
    expect(bashComplete('novaops run failed-node --failed-host ')).toEqual([]);
  });

  test('run ids from the state directory for resume, abandon, transcripts show and replay', () => {
    const newestFirst = [...RUN_IDS].sort();
    for (const line of ['novaops resume ', 'novaops abandon ', 'novaops transcripts show ', 'novaops transcripts replay ', 'novaops resume --yes ']) {
      expect(bashComplete(line), line).toEqual(newestFirst);
    }
    expect(bashComplete('novaops resume 20260102')).toEqual(['20260102-093000-failed-node-00ff']);
  });

  test('the global --config reaches the callback: its state_dir is where the runs are read', async () => {
    const other = path.join(dir, 'other-state');
    await mkdir(path.join(other, 'runs', '20261231-235959-drp-0000'), { recursive: true });
    const cloudsYaml = path.join(dir, 'clouds.yaml');
    // Port 9 on loopback: nothing answers there, and nothing here may ask.
    await writeFile(cloudsYaml, 'clouds:\n  practice:\n    auth: { auth_url: "http://127.0.0.1:9/v3", username: admin, password: s3cret, project_name: admin }\n', { mode: 0o600 });
    const config = path.join(dir, 'other.yaml');
    await writeFile(
      config,
      [
        'cloud: practice',
        `clouds_yaml: ${JSON.stringify(cloudsYaml)}`,
        `state_dir: ${JSON.stringify(other)}`,
        'databases:',
        '  nova: { url: "mysql://nova:s3cret@127.0.0.1:9/nova" }',
        '  cinder: { url: "mysql://cinder:s3cret@127.0.0.1:9/cinder" }',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    expect(bashComplete(`novaops --config ${config} abandon `)).toEqual(['20261231-235959-drp-0000']);
  });

  test('a command added to the program is completed without touching the completion code', async () => {
    const program = buildProgram();
    program.command('frobnicate <run-id>').option('--gently').action(() => undefined);
    const file = path.join(dir, 'extended.bash');
    await writeFile(file, completionScript('bash', program, 'test'));
    expect(bashComplete('novaops fro', file)).toEqual(['frobnicate']);
    expect(bashComplete('novaops frobnicate --g', file)).toEqual(['--gently']);
    expect(bashComplete('novaops frobnicate ', file)).toEqual([...RUN_IDS].sort());
  });
});

describe.skipIf(!has('fish'))('fish completion (bin/setup installs fish)', () => {
  function fishComplete(line: string): string[] {
    const r = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish, line], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0])
      .sort();
  }

  test('the script parses', () => {
    expect(spawnSync('fish', ['--no-config', '-n', scripts.fish], { encoding: 'utf8' }).stderr).toBe('');
  });

  test('the same lines complete the same way', () => {
    expect(fishComplete('novaops ru')).toEqual(['run']);
    expect(fishComplete('novaops run ')).toEqual(['drp', 'failed-node', 'iscsi-cleanup', 'reset-state', 'uid-gid']);
    expect(fishComplete('novaops run failed-node --me')).toEqual(['--method']);
    expect(fishComplete('novaops run failed-node --method ')).toEqual(['db', 'evacuate']);
    expect(fishComplete('novaops transcripts replay x --speed ')).toEqual(['1', '10', 'instant']);
    expect(fishComplete('novaops resume ')).toEqual([...RUN_IDS].sort());
  });
});

describe.skipIf(!has('zsh'))('zsh completion (bin/setup installs zsh)', () => {
  test('the script parses, and defines _novaops when sourced after compinit', () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh], { encoding: 'utf8' }).stderr).toBe('');
    const r = spawnSync('zsh', ['-f', '-c', 'autoload -Uz compinit && compinit -u -d "$2" && source "$1" && print -r -- ${_comps[novaops]}', 'zsh', scripts.zsh, path.join(dir, 'zcompdump')], {
      env,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('_novaops');
  });

  // compadd works only inside zsh's line editor: a stand-in prints what _novaops offers (zsh then
  // keeps the candidates that match the word typed), with words and CURRENT set as zsh sets them.
  function zshCandidates(line: string): string[] {
    const driver = 'compdef() { }; compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; source "$1"; shift; words=("$@"); CURRENT=$#; _novaops';
    const r = spawnSync('zsh', ['-f', '-c', driver, 'zsh', scripts.zsh, ...words(line)], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  test('the same walk as bash: commands, runbooks, an option and its values, run ids', () => {
    expect(zshCandidates('novaops ru')).toContain('run');
    expect(zshCandidates('novaops run ')).toEqual(['drp', 'failed-node', 'iscsi-cleanup', 'reset-state', 'uid-gid']);
    expect(zshCandidates('novaops run failed-node --me')).toContain('--method');
    expect(zshCandidates('novaops run failed-node --method ')).toEqual(['db', 'evacuate']);
    expect(zshCandidates('novaops transcripts replay x --speed ')).toEqual(['1', '10', 'instant']);
    expect(zshCandidates('novaops resume ')).toEqual([...RUN_IDS].sort());
  });
});
