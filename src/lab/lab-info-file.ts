// lab.json: where every part of the lab is, read by down/status/scenario and the simulator.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { labDir, labPaths } from './paths.js';
import type { LabInfo } from './types.js';

export async function writeLabInfo(info: LabInfo): Promise<void> {
  const file = labPaths(info.dir).labJson;
  const tmp = `${file}.tmp.${process.pid}`;
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n');
  await rename(tmp, file);
}

export async function readLabInfo(dirOrStateDir: { stateDir: string } | { labDir: string }): Promise<LabInfo> {
  const dir = 'labDir' in dirOrStateDir ? dirOrStateDir.labDir : labDir(dirOrStateDir.stateDir);
  const text = await readFile(labPaths(dir).labJson, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new Error(`no lab in ${dir} (run: novaops lab up)`);
    throw e;
  });
  return JSON.parse(text) as LabInfo;
}
