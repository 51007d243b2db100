// The lab's shell scripts travel inside its code (src/lab/assets/embedded.ts, generated from the
// .sh files by bin/embed-lab-assets.mjs), so that dist/ and a one-file bundle need no checkout.
// An edited script whose module was not regenerated would install the old one: this catches it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('src/lab/assets/embedded.ts holds exactly the .sh files beside it', () => {
  const generator = fileURLToPath(new URL('../../bin/embed-lab-assets.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [generator, '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
