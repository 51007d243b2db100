// An esbuild plugin for both bundles (bin/bundle.mjs, bin/bundle-ui.mjs). yoga-layout, ink's layout
// engine, carries its WebAssembly inline as a data: URL and, like any emscripten module, loads it
// with fetch() whenever fetch exists. On node that first use of fetch loads undici (a few dozen of
// node's internal modules compiled at every start) and percent-decodes 120 KB of URL, all before
// the session's first frame. Without fetch the module decodes the same base64 itself: the same
// bytes, none of that work.
import { readFile } from 'node:fs/promises';

const USES_FETCH = '"function"!=typeof fetch';
/** Both places that choose fetch: the binary's loader and the streaming instantiation. */
const EXPECTED = 2;

export const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const found = text.split(USES_FETCH).length - 1;
      // A new yoga-layout that loads its binary differently: say so at build time, not as a slow start.
      if (found !== EXPECTED) throw new Error(`bundle: ${args.path} chooses fetch in ${found} places, not ${EXPECTED}; see bin/bundle-yoga-without-fetch.mjs`);
      return { contents: text.replaceAll(USES_FETCH, 'true'), loader: 'js' };
    });
  },
};
