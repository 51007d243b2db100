// Copies of a test lab's novaops.yaml / clouds.yaml with one thing changed, written next to the
// lab (inside its state dir, so destroy() removes them). The lab's own files are never edited.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { TestLab } from './lab.js';

export async function labConfigDoc(lab: TestLab): Promise<Record<string, any>> {
  return YAML.parse(await readFile(lab.info.configFile, 'utf8')) as Record<string, any>;
}

/** Writes `edit(copy of the lab's novaops.yaml)` to <stateDir>/<name> and returns its path. */
export async function writeLabConfigVariant(lab: TestLab, name: string, edit: (doc: Record<string, any>) => void): Promise<string> {
  const doc = await labConfigDoc(lab);
  edit(doc);
  const file = path.join(lab.stateDir, name);
  await writeFile(file, YAML.stringify(doc), { mode: 0o600 });
  return file;
}

/** A copy of the lab's clouds.yaml whose admin password is `password`. */
export async function writeCloudsYamlVariant(lab: TestLab, name: string, password: string): Promise<string> {
  const doc = YAML.parse(await readFile(lab.info.cloudsYaml, 'utf8')) as Record<string, any>;
  const auth = doc.clouds[lab.info.cloudName].auth;
  if (auth.password === password) throw new Error('the variant password must differ from the lab password');
  auth.password = password;
  const file = path.join(lab.stateDir, name);
  await writeFile(file, YAML.stringify(doc), { mode: 0o600 });
  return file;
}
