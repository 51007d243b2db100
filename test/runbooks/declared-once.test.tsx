// A runbook declares its options once (its manifest) and gets, without a line of its own, the
// flags of `novaops run`, the session's form and the options of `novaops show`. Shown with a tiny
// runbook defined here and passed through the real program builder, the real runbook page and the
// real `show`; and the engine refuses a runbook whose options do not match its params schema.
import { afterEach, describe, expect, test } from 'vitest';
import { render } from 'ink-testing-library';
import { z } from 'zod';
import { buildProgram } from '../../src/cli/main.js';
import { describeRunbook } from '../../src/cli/commands/show.js';
import { parseParams } from '../../src/cli/run-request.js';
import { catalogueEntry } from '../../src/engine/catalogue.js';
import { EngineRuleError, UsageError } from '../../src/engine/errors.js';
import { declaredFields } from '../../src/engine/params-schema.js';
import type { Runbook, RunbookManifest } from '../../src/engine/runbook.js';
import { RunbookPage } from '../../src/ui/runbook/runbook-page.js';
import type { SessionServices } from '../../src/ui/session/services.js';
import { waitForFrame } from '../ui/session-fixtures.js';

// Its whole declaration: what `list`, the parser, the form and `show` read.
const tinyManifest = {
  id: 'tiny',
  title: 'Greet the hosts',
  summary: 'says hello to each host, or does not',
  reference: 'this test',
  testScope: 'host',
  arguments: [{ syntax: '[names...]', key: 'names', description: 'who to greet' }],
  options: [
    { flags: '--greeting <word>', kind: 'text', key: 'greeting', default: 'hello', description: 'what to say' },
    { flags: '--tone <tone>', kind: 'choice', key: 'tone', choices: ['warm', 'dry'], default: 'warm', description: 'how to say it' },
    { flags: '--loud', kind: 'toggle', key: 'loud', description: 'in capitals' },
    { flags: '--also-greet <name>', kind: 'list', key: 'also', repeatable: true, description: 'more names, one per flag' },
  ],
} as const satisfies RunbookManifest;

// Its entry: the schema is the declaration's, plus one rule between fields.
const tinyParams = z
  .object(declaredFields(tinyManifest))
  .strict()
  .superRefine((p, ctx) => {
    if (p.loud && p.tone === 'dry') ctx.addIssue({ code: 'custom', path: ['--loud'], message: '--loud and --tone dry do not go together' });
  });

const tiny: Runbook<z.output<typeof tinyParams>> = {
  ...tinyManifest,
  version: '0.1.0',
  params: tinyParams,
  steps: [
    { id: 'look', title: 'Look at the hosts', changes: 'nothing (read-only)', readOnly: true, plan: async () => ({ items: [] }) },
    { id: 'greet', title: 'Greet them', changes: 'nothing', unguarded: 'a greeting harms no host', appliesWhen: { describe: '--tone warm', test: (p) => p.tone === 'warm' }, plan: async () => ({ items: [] }) },
  ],
};

const entry = catalogueEntry(tinyManifest, async () => ({ default: tiny }));

describe('a runbook declared once', () => {
  let unmount: (() => void) | undefined;
  afterEach(() => unmount?.());

  test('gets the flags of novaops run, by the real program builder: values by the declared keys, checked by its schema', async () => {
    const seen: unknown[] = [];
    const program = buildProgram({ catalogue: [entry], run: async (runbook, flags) => void seen.push(parseParams(runbook, flags)) });
    await program.parseAsync(['run', 'tiny', 'ann', 'bob', '--tone', 'dry', '--also-greet', 'cy', '--also-greet', 'di', '--greeting', 'hi'], { from: 'user' });
    expect(seen).toEqual([{ names: ['ann', 'bob'], greeting: 'hi', tone: 'dry', loud: false, also: ['cy', 'di'] }]);

    await buildProgram({ catalogue: [entry], run: async (runbook, flags) => void seen.push(parseParams(runbook, flags)) }).parseAsync(['run', 'tiny', '--loud'], { from: 'user' });
    expect(seen[1]).toEqual({ names: [], greeting: 'hello', tone: 'warm', loud: true, also: [] });

    const refused = buildProgram({ catalogue: [entry], run: async (runbook, flags) => void parseParams(runbook, flags) }).parseAsync(['run', 'tiny', '--tone', 'sharp'], { from: 'user' });
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow("--tone 'sharp' is not a tone: warm (the default) or dry");

    const help = buildProgram({ catalogue: [entry], run: async () => undefined })
      .commands.find((c) => c.name() === 'run')!
      .commands.find((c) => c.name() === 'tiny')!
      .helpInformation();
    expect(help).toContain('[names...]');
    expect(help).toMatch(/--tone <tone>\s+how to say it \(choices: "warm", "dry", default: "warm"\)/);
    expect(help).toContain('--also-greet <name>');
    expect(help).toContain('--test-host <host>');
  });

  test('gets a form on the runbook page: a field per option, the choice cycled with space, checked by its schema', async () => {
    const services = { readOnly: false, loadRunbook: (id: string) => (id === 'tiny' ? entry.load() : Promise.reject(new Error(id))), hosts: async () => ['compute1'], servers: async () => [] } as unknown as SessionServices;
    const ui = render(<RunbookPage services={services} id="tiny" actions={{ back() {}, start() {}, help() {} }} active />);
    unmount = ui.unmount;
    const steps = await waitForFrame(ui.lastFrame, (f) => f.includes('Steps (2, in order)'));
    expect(steps).toContain('applies only with --tone warm');
    ui.stdin.write('\r');
    const form = await waitForFrame(ui.lastFrame, (f) => f.includes('Parameters and run'));
    for (const label of ['[names...]', '--greeting <word>', '--tone <tone>', '(•) warm  ( ) dry', '[ ] --loud', '--also-greet <name>']) expect(form).toContain(label);
    ui.stdin.write('\t');
    await waitForFrame(ui.lastFrame, (f) => f.includes('what to say'));
    ui.stdin.write('\t');
    await waitForFrame(ui.lastFrame, (f) => f.includes('how to say it'));
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('( ) warm  (•) dry'));
    // Its own rule between fields, under the field it names.
    ui.stdin.write('\t');
    await waitForFrame(ui.lastFrame, (f) => f.includes('in capitals'));
    ui.stdin.write(' ');
    await waitForFrame(ui.lastFrame, (f) => f.includes('[x] --loud') && f.includes('✗ --loud and --tone dry do not go together'));
  });

  test('gets its options in novaops show, with each step\'s condition', async () => {
    const text = describeRunbook(await entry.load()).join('\n');
    expect(text).toContain('tiny — Greet the hosts (version 0.1.0)');
    expect(text).toMatch(/Step 1: Greet them\n  applies only with --tone warm\n/);
    expect(text).toMatch(/--tone <tone> +how to say it \[one of warm \| dry, default warm\]/);
    expect(text).toMatch(/--also-greet <name> +more names, one per flag \[repeatable\]/);
    expect(text).toMatch(/--greeting <word> +what to say/);
    expect(text).toContain('usage: novaops run tiny [names...] [options]');
    expect(text).toContain('--test-host <host>');
  });

  test('is refused at load when an option names a key its params schema does not have, or its declaration does not hold together', async () => {
    const broken = { ...tinyManifest, options: [...tinyManifest.options, { flags: '--colour <colour>', kind: 'text', key: 'colour', description: 'not in the schema' }] } as const satisfies RunbookManifest;
    const load = catalogueEntry(broken, async () => ({ default: { ...tiny, ...broken } })).load();
    await expect(load).rejects.toThrow(EngineRuleError);
    await expect(load).rejects.toThrow('runbook tiny: --colour <colour> hands its value over as "colour", which its params schema does not have');

    const toggleWithValue = { ...tinyManifest, options: [{ ...tinyManifest.options[2], flags: '--loud <how>' }] } as const satisfies RunbookManifest;
    await expect(catalogueEntry(toggleWithValue, async () => ({ default: { ...tiny, ...toggleWithValue } })).load()).rejects.toThrow('option --loud <how> is a toggle but its flags take a value');

    // The catalogue's line and the loaded steps must be one declaration.
    await expect(catalogueEntry({ ...tinyManifest, id: 'other' }, async () => ({ default: tiny })).load()).rejects.toThrow("the catalogue's other loaded runbook tiny");
  });
});
