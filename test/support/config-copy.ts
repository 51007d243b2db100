// A copy of a lab's novaops.yaml with some settings changed, for one test.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { TestLab } from './lab.js';

export async function labConfigWith(lab: TestLab, name: string, change: (config: Record<string, any>) => void): Promise<string> {
  const config = parse(await readFile(lab.info.configFile, 'utf8')) as Record<string, any>;
  change(config);
  const path = join(lab.stateDir, `${name}.yaml`);
  await writeFile(path, stringify(config));
  return path;
}
