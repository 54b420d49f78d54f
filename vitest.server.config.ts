import { defineConfig } from 'vitest/config';

// `npm run test:server`: the integration suite against the server in CLICKHOUSE_URL.
export default defineConfig({
  test: {
    include: [
      'test/integration/clickhouse-server.test.ts',
      'test/integration/lake-json-server.test.ts',
      'test/integration/endpoint-conformance.test.ts',
      'test/integration/lake-iceberg-server.test.ts',
    ],
    // The conformance file asks the server in CLICKHOUSE_URL instead of starting a local endpoint.
    env: { KIT_TEST_TARGET: 'server' },
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
