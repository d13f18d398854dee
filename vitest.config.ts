import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['hub/**/*.test.ts', 'models/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real servers and ffmpeg children; two cores do not take more.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // Hubs started by tests log only warnings and errors; HUB_LOG_LEVEL=debug shows everything.
    env: { HUB_LOG_LEVEL: process.env.HUB_LOG_LEVEL ?? 'warn' },
  },
});
