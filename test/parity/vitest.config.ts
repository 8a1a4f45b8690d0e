import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The parity suite drives docker and minidock on this host; it is opt-in (npm run parity)
// because it needs root, dockerd and a built minidock. Scenarios run one at a time.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/parity/**/*.parity.ts', 'test/parity/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
