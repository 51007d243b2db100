// The shape of the code, checked by the suite (test/architecture/dependencies.test.ts): no import
// cycle (type-only imports count: they tie modules together just the same), and no import that
// points up a layer (DESIGN.md section 2):
//
//   bin → src/cli → src/ui → src/engine → src/operations (pure) / src/effects → src/config
//   src/errors.ts and src/values/ (how input is checked and echoed) below all;
//   runbooks/ use the engine, operations and config;
//   src/lab, the practice cloud, is a world of its own on operations, effects and config.
//
// Only src/cli reads the runbook catalogue (runbooks/index.ts) and the lab; everything else gets
// what it needs of them through the engine's types and the services the CLI hands down.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: neither module can be read, loaded or tested without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'errors-below-all',
      severity: 'error',
      comment: 'src/errors.ts is below every layer: it imports nothing of the project.',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^(src|runbooks|bin)/', pathNot: '^src/errors\\.ts$' },
    },
    {
      name: 'values-below-all-layers',
      severity: 'error',
      comment: 'src/values/ (validation and how a value is echoed) serves every layer: it imports only src/errors.ts.',
      from: { path: '^src/values/' },
      to: { path: '^(src|runbooks|bin)/', pathNot: '^src/(errors\\.ts|values/)' },
    },
    {
      name: 'config-is-the-bottom-layer',
      severity: 'error',
      comment: 'src/config reads configuration; it knows nothing of the layers above it.',
      from: { path: '^src/config/' },
      to: { path: '^(src/(cli|ui|engine|operations|effects|lab)|runbooks|bin)/' },
    },
    {
      name: 'operations-are-pure',
      severity: 'error',
      comment: 'src/operations: operations as values, builders and parsers; no effect, no engine, no UI.',
      from: { path: '^src/operations/' },
      to: { path: '^(src/(cli|ui|engine|effects|lab)|runbooks|bin)/' },
    },
    {
      name: 'effects-below-engine',
      severity: 'error',
      comment: 'src/effects touch the world for the engine; they do not know the engine, the UI or the runbooks.',
      from: { path: '^src/effects/' },
      to: { path: '^(src/(cli|ui|engine|lab)|runbooks|bin)/' },
    },
    {
      name: 'engine-below-ui',
      severity: 'error',
      comment: 'src/engine runs any runbook; it knows no presenter, no runbook and no lab.',
      from: { path: '^src/engine/' },
      to: { path: '^(src/(cli|ui|lab)|runbooks|bin)/' },
    },
    {
      name: 'ui-below-cli',
      severity: 'error',
      comment: 'src/ui renders engine events and answers prompts; the CLI hands it the catalogue and services.',
      from: { path: '^src/ui/' },
      to: { path: '^(src/(cli|lab)|runbooks|bin)/' },
    },
    {
      name: 'cli-below-bin',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^bin/' },
    },
    {
      name: 'runbooks-on-engine-operations-config',
      severity: 'error',
      comment: 'A runbook plans operations for the engine to run: it reaches no effect, UI, CLI or lab directly.',
      from: { path: '^runbooks/' },
      to: { path: '^(src/(cli|ui|effects|lab)|bin)/' },
    },
    {
      name: 'lab-is-its-own-world',
      severity: 'error',
      comment: 'The practice cloud stands on operations, effects and config; no product layer above them.',
      from: { path: '^src/lab/' },
      to: { path: '^(src/(cli|ui|engine)|runbooks|bin)/' },
    },
    {
      name: 'no-test-code-in-the-product',
      severity: 'error',
      from: { path: '^(src|runbooks|bin)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      comment: 'An import that resolves to nothing hides an edge from every rule above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports are edges too: `import type` between two modules is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
