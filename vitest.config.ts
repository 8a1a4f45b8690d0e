import { defineConfig } from 'vitest/config';

// Integration tests share one host (bridges, nft tables, the engine socket), so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
