// Where the built shim lives: MINIDOCK_SHIM, else dist/minidock-shim next to the code
// (src/runtime/*.ts under vitest, dist/runtime/*.js once built).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MinidockError } from '../errors.js';

export function shimPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINIDOCK_SHIM) return env.MINIDOCK_SHIM;
  const candidates = ['../minidock-shim', '../../dist/minidock-shim'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    throw new MinidockError('Internal', `minidock-shim not found (looked in ${candidates.join(', ')})`, {
      hint: 'build it with: sh src/runtime/shim/build.sh',
    });
  }
  return found;
}
