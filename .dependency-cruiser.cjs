// Layer rules (`npm run lint`). Layers, bottom up; arrows only point down:
//   lib/config (settings, secrets)  <-  lib/sql (SQL text)  <-  lib/engine (engine host)
//   <-  lib/endpoint, lib/clickhouse (HTTP endpoint, client connection)
//   <-  domain modules (tabular, lake, s3, embeddings, vectors, observability, notebook, charts)
//   <-  scripts, bench, test, notebooks (top).
// A module's index.ts is its only door.
const DOMAIN = '(tabular|lake|s3|embeddings|vectors|observability|notebook|charts)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide the layer order.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'config-is-the-base',
      severity: 'error',
      comment: 'lib/config (settings and secrets) imports no other part of the kit.',
      from: { path: '^lib/config/' },
      to: { path: '^(lib|scripts|test|bench)/', pathNot: '^lib/config/' },
    },
    {
      name: 'sql-is-a-leaf',
      severity: 'error',
      comment: 'lib/sql (quoting, lexer, statements, errors) imports only lib/config.',
      from: { path: '^lib/sql/' },
      to: { path: '^(lib|scripts|test|bench)/', pathNot: '^lib/(sql|config)/' },
    },
    {
      name: 'engine-host-imports-sql-only',
      severity: 'error',
      comment: 'The engine host sits on lib/sql (and lib/config); the endpoint, client and domain modules sit on it.',
      from: { path: '^lib/engine/' },
      to: { path: '^(lib|scripts|test|bench)/', pathNot: '^lib/(engine|sql|config)/' },
    },
    {
      name: 'endpoint-and-client-import-engine-and-sql',
      severity: 'error',
      comment:
        'lib/endpoint and lib/clickhouse (client connection) are siblings on the engine host; neither imports the other or a domain module.',
      from: { path: '^lib/(endpoint|clickhouse)/' },
      to: { path: '^(lib|scripts|test|bench)/', pathNot: ['^lib/$1/', '^lib/(engine|sql|config)/'] },
    },
    {
      name: 'domain-imports-below',
      severity: 'error',
      comment: 'Domain modules import lib modules only (each other through their doors, without cycles).',
      from: { path: `^lib/${DOMAIN}/` },
      to: { path: '^(scripts|test|bench|notebooks)/' },
    },
    {
      name: 'lib-never-imports-the-top',
      severity: 'error',
      comment: 'lib never imports scripts/, test/, bench/ or notebooks.',
      from: { path: '^lib/' },
      to: { path: '^(scripts|test|bench|notebooks)/' },
    },
    {
      name: 'one-door-between-lib-modules',
      severity: 'error',
      comment: "Another lib module is imported through its index.ts only ('../<module>').",
      from: { path: '^lib/([^/]+)/' },
      to: { path: '^lib/[^/]+/', pathNot: ['^lib/$1/', '^lib/[^/]+/index\\.ts$'] },
    },
    {
      name: 'one-door-from-outside-lib',
      severity: 'error',
      comment: "scripts, bench and test import a lib module through its index.ts only ('lib/<module>').",
      from: { pathNot: '^lib/' },
      to: { path: '^lib/[^/]+/', pathNot: '^lib/[^/]+/index\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|storage|reports|bench/results|test/artifacts|\\.scratch)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
