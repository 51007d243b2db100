// The shape of the code (DESIGN.md section 2): dependency-cruiser, with the rules of
// .dependency-cruiser.cjs, over src, runbooks and bin. Any import cycle (type-only imports
// included) or import that points up a layer fails the suite, named with its path.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { REPO } from '../support/cli.js';

const run = promisify(execFile);
const CRUISER = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

/** Cruises `paths` under `cwd` with the project's rules; the violations, each as one readable line. */
async function violations(cwd: string, paths: string[]): Promise<string[]> {
  // dependency-cruiser exits non-zero when it finds a violation; the JSON report is on stdout either way.
  const { stdout } = await run(process.execPath, [CRUISER, ...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`dependency-cruiser failed: ${error.stderr}`);
      return { stdout: error.stdout };
    },
  );
  const report = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(report.summary.totalCruised).toBeGreaterThan(0);
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.cycle?.length ? v.cycle.map((c) => c.name).join(' → ') : v.to}`);
}

describe('dependencies', () => {
  test('src, runbooks and bin: no import cycle, no import up a layer', async () => {
    expect(await violations(REPO, ['src', 'runbooks', 'bin'])).toEqual([]);
  });

  test('the rules see a cycle of type-only imports, an upward import and src reaching into runbooks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novaops-deps-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
        'package.json': JSON.stringify({ type: 'module' }),
        'src/engine/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
        'src/engine/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
        'src/engine/up.ts': "import { Screen } from '../ui/screen.js';\nexport const screen = Screen;\n",
        'src/ui/screen.ts': 'export const Screen = 1;\n',
        'src/ui/list.ts': "import type { Entry } from '../../runbooks/index.js';\nexport type List = Entry[];\n",
        'runbooks/index.ts': 'export interface Entry { id: string }\n',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const found = await violations(dir, ['src', 'runbooks']);
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^no-circular: src\/engine\/a\.ts → src\/engine\/b\.ts → src\/engine\/a\.ts$/),
          'engine-below-ui: src/engine/up.ts → src/ui/screen.ts',
          'ui-below-cli: src/ui/list.ts → runbooks/index.ts',
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
