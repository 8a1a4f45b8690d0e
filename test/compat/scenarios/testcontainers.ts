// testcontainers (node) scenarios: test/compat/node/testcontainers.mjs in a child process with
// DOCKER_HOST set to the target engine and Ryuk disabled. The script checks, through the engine's
// own API, that the container it started lives on that engine; HOME is a throwaway dir so no
// ~/.testcontainers.properties or docker context of this host can point it elsewhere.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/registry.js';
import type { Scenario } from '../types.js';
import { runScript } from './scripted.js';

const SCRIPT = path.join(REPO_ROOT, 'test/compat/node/testcontainers.mjs');

const tc = (name: string, title: string): Scenario => ({
  id: `tc-${name}`,
  client: 'testcontainers',
  title,
  async run(t) {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'compat-tc-home-'));
    t.defer(`rm ${home}`, () => fs.rm(home, { recursive: true, force: true }));
    await runScript(t, process.execPath, [SCRIPT, name], { HOME: home, TESTCONTAINERS_RYUK_DISABLED: 'true', DEBUG: '' });
  },
});

export const testcontainersScenarios: Scenario[] = [
  tc('nginx', 'GenericContainer nginx, exposed port, listening-ports wait, fetch, stop'),
  tc('busybox', 'GenericContainer busybox httpd, HTTP wait, fetch, exec, logs, stop'),
];
