// The version novaops reports: package.json's, read at build time. A JSON import is inlined by
// esbuild into the one-file bundle and copied next to the compiled code by tsc, so no code reads
// package.json at run time from a path that may not exist on a controller.
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
