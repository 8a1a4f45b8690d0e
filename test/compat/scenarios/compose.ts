// docker-compose 1.29 (Debian's, on docker-py) with the project in test/compat/compose/web/.
import path from 'node:path';
import { freePort, REPO_ROOT } from '../../helpers/registry.js';
import { check, COMPOSE, type ScenarioRun } from '../context.js';
import type { Scenario } from '../types.js';

const FILE = path.join(REPO_ROOT, 'test/compat/compose/web/docker-compose.yml');

interface Project { name: string; port: number; compose(args: string[], timeoutMs?: number): ReturnType<ScenarioRun['ok']> }

async function project(t: ScenarioRun, suffix: string): Promise<Project> {
  const name = `${t.uid}${suffix}`;
  const port = await freePort();
  const env = { REGISTRY: t.registry, WEB_PORT: String(port) };
  const p: Project = { name, port, compose: (args, timeoutMs = 120_000) => t.ok(COMPOSE, ['-p', name, '-f', FILE, ...args], { env, timeoutMs }) };
  t.defer(`compose -p ${name} down -v`, () => p.compose(['down', '-v', '--timeout', '2']));
  return p;
}

async function pageOn(port: number): Promise<string> {
  try { return await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) })).text(); } catch { return ''; }
}

/** up -d, then everything a user would check on the running project. */
async function upAndCheck(t: ScenarioRun, p: Project, tag: string): Promise<void> {
  await t.step(`${tag} up -d`, () => p.compose(['up', '-d'], 180_000));
  await t.step(`${tag} ps`, async () => {
    const r = await p.compose(['ps']);
    const lines = r.stdout.split('\n');
    for (const svc of ['web', 'app']) check(lines.some((l) => l.startsWith(`${p.name}_${svc}_1`) && /\bUp\b/.test(l)), `${svc} not Up in ${JSON.stringify(r.stdout)}`);
    check(lines.some((l) => l.startsWith(`${p.name}_web_1`) && l.includes(`127.0.0.1:${p.port}->80/tcp`) && /healthy/.test(l)), `web not healthy with its port in ${JSON.stringify(r.stdout)}`);
    const q = await p.compose(['ps', '-q']);
    check(q.stdout.trim().split('\n').length === 2, `ps -q ${JSON.stringify(q.stdout)}`);
  });
  await t.step(`${tag} published port`, async () => {
    const body = await t.until(15_000, () => pageOn(p.port));
    check(/Welcome to nginx/.test(body), `page ${JSON.stringify(body.slice(0, 200))}`);
  });
  await t.step(`${tag} logs`, async () => {
    const r = await t.until(15_000, async () => { const x = await p.compose(['logs', '--no-color', 'app']); return /fetched/.test(x.stdout) ? x : undefined; });
    check(r, 'app never logged "fetched"');
  });
  await t.step(`${tag} exec (by service name, volume)`, async () => {
    const r = await p.compose(['exec', '-T', 'app', 'sh', '-c', 'wget -qO- http://web/ | grep -c "Welcome to nginx"; grep -c "Welcome to nginx" /data/page.html']);
    check(r.stdout.trim().split('\n').every((l) => Number(l) >= 1) && r.stdout.trim().split('\n').length === 2, `exec ${JSON.stringify(r.stdout)}`);
  });
  await t.step(`${tag} labels, restart policy, network, volume`, async () => {
    const web = `${p.name}_web_1`;
    const r = await t.ok(process.env.COMPAT_DOCKER ?? '/usr/bin/docker', ['inspect', '-f',
      '{{index .Config.Labels "com.example.role"}} {{index .Config.Labels "com.docker.compose.project"}} {{.HostConfig.RestartPolicy.Name}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}', web]);
    check(r.stdout.trim() === `web ${p.name} unless-stopped ${p.name}_front`, `inspect ${JSON.stringify(r.stdout)}`);
  });
}

export const composeScenarios: Scenario[] = [
  {
    id: 'compose-web',
    client: 'compose',
    title: 'docker-compose up -d / ps / logs / exec / down -v of the web project',
    timeoutMs: 240_000,
    async run(t) {
      const p = await project(t, 'w');
      await upAndCheck(t, p, 'project');
      await t.step('down -v', async () => {
        await p.compose(['down', '-v', '--timeout', '2']);
        const r = await t.ok(process.env.COMPAT_DOCKER ?? '/usr/bin/docker', ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${p.name}`]);
        check(r.stdout.trim() === '', `containers left: ${r.stdout}`);
        const v = await t.sh(process.env.COMPAT_DOCKER ?? '/usr/bin/docker', ['volume', 'inspect', `${p.name}_data`]);
        check(v.exit !== 0, 'named volume left after down -v');
      });
    },
  },
  {
    id: 'compose-two-projects',
    client: 'compose',
    title: 'two projects side by side (-p a / -p b) without interfering',
    timeoutMs: 300_000,
    async run(t) {
      const a = await project(t, 'a');
      const b = await project(t, 'b');
      await upAndCheck(t, a, 'a');
      await upAndCheck(t, b, 'b');
      await t.step('a ps lists only a', async () => {
        const r = await a.compose(['ps']);
        check(!r.stdout.includes(b.name), `a's ps shows b: ${JSON.stringify(r.stdout)}`);
      });
      await t.step('down a leaves b running', async () => {
        await a.compose(['down', '-v', '--timeout', '2']);
        const r = await b.compose(['ps']);
        check(r.stdout.split('\n').filter((l) => l.startsWith(b.name) && /\bUp\b/.test(l)).length === 2, `b after a's down: ${JSON.stringify(r.stdout)}`);
        check(/Welcome to nginx/.test(await pageOn(b.port)), 'b stopped answering after a went down');
      });
    },
  },
];
