import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests share one warehouse and one S3 server: files run one after another.
    fileParallelism: false,
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
