import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The compatibility suite drives real Docker clients against dockerd and minidock on this host;
// opt-in (npm run compat / compat:strict) because it needs root, dockerd, the clients
// (scripts/install-compat.sh) and a built minidock. One scenario at a time.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/compat/**/*.compat.ts', 'test/compat/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});
