// docker-py 5 (Debian's python3-docker) scenarios: test/compat/py/dockerpy.py run with Debian's python3.
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/registry.js';
import { PYTHON } from '../context.js';
import type { Scenario } from '../types.js';
import { runScript } from './scripted.js';

const SCRIPT = path.join(REPO_ROOT, 'test/compat/py/dockerpy.py');

const py = (name: string, title: string): Scenario => ({
  id: `py-${name}`,
  client: 'docker-py',
  title,
  async run(t) { await runScript(t, PYTHON, [SCRIPT, name]); },
});

export const dockerPyScenarios: Scenario[] = [
  py('containers', 'containers: run/create/start/list/stop/wait/logs/remove'),
  py('images', 'images: pull/list/tag/get/remove'),
  py('networks-volumes', 'networks (create/list/connect/disconnect/remove) and volumes'),
  py('exec-attach', 'exec_run (demux, env, workdir, user), attach socket, attach stream'),
  py('events', 'events with since/until and a container filter'),
];
