// Writes dist/novaops.1 from the compiled CLI (npm run build:man, after tsc): the commands from the
// commander program, the runbooks from the catalogue.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const { buildProgram } = await import('../dist/src/cli/main.js');
const { manPage } = await import('../dist/src/cli/manual/man-page.js');
const { VERSION } = await import('../dist/src/cli/version.js');

const out = fileURLToPath(new URL('../dist/novaops.1', import.meta.url));
writeFileSync(out, manPage(buildProgram(), VERSION));
