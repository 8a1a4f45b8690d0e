// docker CLI (Debian's docker.io 20.10) everyday operations, one scenario per area.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/registry.js';
import { check, DOCKER, sleep, type ScenarioRun } from '../context.js';
import type { Scenario } from '../types.js';

/** Removes containers by name at cleanup (rm -f; an absent one is not an error). */
function removeContainers(t: ScenarioRun, ...names: string[]): void {
  t.defer(`rm -f ${names.join(' ')}`, async () => {
    const r = await t.dockerAny(['rm', '-f', ...names], { timeoutMs: 60_000 });
    if (r.exit !== 0 && !/No such container/i.test(r.stderr)) throw new Error(r.stderr.trim());
  });
}

function removeNetwork(t: ScenarioRun, name: string): void {
  t.defer(`network rm ${name}`, async () => {
    const r = await t.dockerAny(['network', 'rm', name]);
    if (r.exit !== 0 && !/not found|No such network/i.test(r.stderr)) throw new Error(r.stderr.trim());
  });
}

function removeVolume(t: ScenarioRun, name: string): void {
  t.defer(`volume rm ${name}`, async () => {
    const r = await t.dockerAny(['volume', 'rm', '-f', name]);
    if (r.exit !== 0 && !/No such volume|not found/i.test(r.stderr)) throw new Error(r.stderr.trim());
  });
}

function removeImage(t: ScenarioRun, ref: string): void {
  t.defer(`rmi ${ref}`, async () => {
    const r = await t.dockerAny(['rmi', ref]);
    if (r.exit !== 0 && !/No such image/i.test(r.stderr)) throw new Error(r.stderr.trim());
  });
}

async function httpGet(url: string): Promise<string> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return `${r.status} ${await r.text()}`;
  } catch (err) {
    return `error ${(err as Error).message}`;
  }
}

async function state(t: ScenarioRun, name: string): Promise<string> {
  return (await t.docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim();
}

export const cliScenarios: Scenario[] = [
  {
    id: 'cli-version-info',
    client: 'docker-cli',
    title: 'docker version / docker info',
    async run(t) {
      await t.step('version', async () => {
        const r = await t.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
        check(/^1\.\d+ linux$/.test(r.stdout.trim()), `server version line ${JSON.stringify(r.stdout)}`);
      });
      await t.step('info', async () => {
        const r = await t.docker(['info', '--format', '{{.ServerVersion}}|{{.Containers}}|{{.Images}}|{{.OSType}}']);
        check(/^[^|]+\|\d+\|\d+\|linux$/.test(r.stdout.trim()), `info line ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-pull',
    client: 'docker-cli',
    title: 'docker pull from the loopback registry, image inspect',
    async run(t) {
      await t.step('pull', () => t.docker(['pull', t.image('busybox')], { timeoutMs: 180_000 }));
      await t.step('image inspect', async () => {
        const r = await t.docker(['image', 'inspect', '-f', '{{.Id}} {{.Os}}', t.image('busybox')]);
        check(/^sha256:[0-9a-f]{64} linux$/.test(r.stdout.trim()), `inspect ${JSON.stringify(r.stdout)}`);
      });
      await t.step('image ls', async () => {
        const r = await t.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${t.registry}/busybox`]);
        check(r.stdout.split('\n').includes(t.image('busybox')), `image ls ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-run',
    client: 'docker-cli',
    title: 'docker run: foreground, --rm, -e, exit code, -d --name, ps',
    async run(t) {
      const d = t.name('bg');
      removeContainers(t, d);
      await t.step('run --rm foreground', async () => {
        const r = await t.docker(['run', '--rm', t.image('busybox'), 'echo', 'hello']);
        check(r.stdout.trim() === 'hello', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('run -e', async () => {
        const r = await t.docker(['run', '--rm', '-e', 'FOO=bar baz', t.image('busybox'), 'sh', '-c', 'echo "$FOO"']);
        check(r.stdout.trim() === 'bar baz', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('run exit code', async () => {
        const r = await t.dockerAny(['run', '--rm', t.image('busybox'), 'sh', '-c', 'exit 3']);
        check(r.exit === 3, `exit ${r.exit}: ${r.stderr}`);
      });
      await t.step('run -d --name', async () => {
        const r = await t.docker(['run', '-d', '--name', d, t.image('busybox'), 'sleep', '300']);
        check(/^[0-9a-f]{64}$/.test(r.stdout.trim()), `id ${JSON.stringify(r.stdout)}`);
      });
      await t.step('ps shows it running', async () => {
        const r = await t.docker(['ps', '--filter', `name=${d}`, '--format', '{{.Names}} {{.State}}']);
        check(r.stdout.trim() === `${d} running`, `ps ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-run-it',
    client: 'docker-cli',
    title: 'docker run -it on a pty (script): prompt, a command, exit',
    async run(t) {
      const n = t.name('tty');
      removeContainers(t, n);
      await t.step('pull', () => t.docker(['pull', '-q', t.image('busybox')], { timeoutMs: 180_000 }));
      const line = [DOCKER, 'run', '-it', '--rm', '--name', n, t.image('busybox'), 'sh'].map((a) => `'${a}'`).join(' ');
      const s = t.spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { TERM: 'xterm' });
      await t.step('prompt', async () => check(await s.waitFor(/\/ # /, 20_000), `no prompt; saw ${JSON.stringify(s.out)}`));
      await t.step('command', async () => {
        s.write('echo hi-$((40+2)); tty\r');
        check(await s.waitFor(/hi-42\r?\n\/dev\/pts\/\d+/, 10_000), `no answer; saw ${JSON.stringify(s.out)}`);
      });
      await t.step('exit', async () => {
        s.write('exit 5\r');
        const code = await Promise.race([s.exited, sleep(15_000).then(() => null)]);
        check(code === 5, `script exited ${code}; saw ${JSON.stringify(s.out)}`);
      });
    },
  },
  {
    id: 'cli-run-port-network',
    client: 'docker-cli',
    title: 'docker run -p on a user network; reach by published port and by name',
    async run(t) {
      const net = t.name('net');
      const web = t.name('web');
      const port = await freePort();
      removeNetwork(t, net);
      removeContainers(t, web);
      await t.step('network create', () => t.docker(['network', 'create', net]));
      await t.step('run nginx -p', () => t.docker(['run', '-d', '--name', web, '--network', net, '-p', `127.0.0.1:${port}:80`, t.image('nginx')], { timeoutMs: 180_000 }));
      await t.step('port', async () => {
        const r = await t.docker(['port', web, '80/tcp']);
        check(r.stdout.trim() === `127.0.0.1:${port}`, `port ${JSON.stringify(r.stdout)}`);
      });
      await t.step('published port answers', async () => {
        const body = await t.until(15_000, async () => { const b = await httpGet(`http://127.0.0.1:${port}/`); return /^200 .*Welcome to nginx/s.test(b) ? b : ''; });
        check(body, 'no "Welcome to nginx" on the published port');
      });
      await t.step('reach by name from the network', async () => {
        const r = await t.docker(['run', '--rm', '--network', net, t.image('busybox'), 'wget', '-qO-', `http://${web}/`]);
        check(/Welcome to nginx/.test(r.stdout), `wget ${JSON.stringify(r.stdout.slice(0, 200))}`);
      });
    },
  },
  {
    id: 'cli-ps-filter-format',
    client: 'docker-cli',
    title: 'docker ps -a with --filter (label, status, name) and --format',
    async run(t) {
      const a = t.name('a');
      const b = t.name('b');
      removeContainers(t, a, b);
      await t.step('create two', async () => {
        await t.docker(['run', '-d', '--name', a, '--label', `compat=${t.uid}`, '--label', 'role=up', t.image('busybox'), 'sleep', '300']);
        await t.docker(['run', '--name', b, '--label', `compat=${t.uid}`, '--label', 'role=done', t.image('busybox'), 'true']);
      });
      await t.step('filter label', async () => {
        const r = await t.docker(['ps', '-a', '--filter', `label=compat=${t.uid}`, '--format', '{{.Names}}']);
        check(r.stdout.split('\n').sort().join(',') === [a, b].sort().join(','), `ps ${JSON.stringify(r.stdout)}`);
      });
      await t.step('filter status=exited', async () => {
        const r = await t.docker(['ps', '-a', '--filter', `label=compat=${t.uid}`, '--filter', 'status=exited', '--format', '{{.Names}} {{.Label "role"}}']);
        check(r.stdout.trim() === `${b} done`, `ps ${JSON.stringify(r.stdout)}`);
      });
      await t.step('filter name, table format', async () => {
        const r = await t.docker(['ps', '--filter', `name=${a}`, '--format', 'table {{.Names}}\t{{.Image}}\t{{.Command}}']);
        const lines = r.stdout.trim().split('\n');
        check(lines.length === 2 && /^NAMES\s+IMAGE\s+COMMAND/.test(lines[0]!) && lines[1]!.startsWith(a) && lines[1]!.includes(t.image('busybox')) && lines[1]!.includes('"sleep 300"'), `ps ${JSON.stringify(r.stdout)}`);
      });
      await t.step('ps -q --no-trunc', async () => {
        const r = await t.docker(['ps', '-aq', '--no-trunc', '--filter', `label=compat=${t.uid}`]);
        check(r.stdout.trim().split('\n').every((l) => /^[0-9a-f]{64}$/.test(l)) && r.stdout.trim().split('\n').length === 2, `ps -q ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-logs',
    client: 'docker-cli',
    title: 'docker logs --tail, --since, --until, --timestamps, --follow',
    async run(t) {
      const n = t.name('logs');
      removeContainers(t, n);
      await t.step('run', () => t.docker(['run', '-d', '--name', n, t.image('busybox'), 'sh', '-c', 'echo l1; echo l2; echo l3 >&2; sleep 2; echo late; sleep 4; echo last; sleep 300']));
      await t.step('logs (both streams)', async () => {
        const r = await t.until(10_000, async () => { const x = await t.docker(['logs', n]); return /late/.test(x.stdout) ? x : undefined; });
        check(r, 'never saw "late"');
        check(r.stdout.trim() === 'l1\nl2\nlate' && r.stderr.trim() === 'l3', `stdout ${JSON.stringify(r.stdout)} stderr ${JSON.stringify(r.stderr)}`);
      });
      const ts = await t.step('logs --timestamps', async () => {
        const r = await t.docker(['logs', '--timestamps', n]);
        const m = new Map<string, string>();
        for (const l of `${r.stdout}\n${r.stderr}`.split('\n').filter(Boolean)) {
          const [stamp, text] = l.split(' ');
          check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(stamp!), `timestamp ${JSON.stringify(l)}`);
          m.set(text!, stamp!);
        }
        return m;
      });
      await t.step('logs --tail 1', async () => {
        const r = await t.docker(['logs', '--tail', '1', n]);
        check(r.stdout.trim() === 'late', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('logs --since', async () => {
        const r = await t.docker(['logs', '--since', ts.get('late')!, n]);
        check(r.stdout.trim() === 'late' && r.stderr.trim() === '', `stdout ${JSON.stringify(r.stdout)} stderr ${JSON.stringify(r.stderr)}`);
      });
      await t.step('logs --until', async () => {
        const r = await t.docker(['logs', '--until', ts.get('l2')!, n]);
        check(r.stdout.trim() === 'l1\nl2', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('logs --follow', async () => {
        const f = t.spawn(DOCKER, ['logs', '--follow', '--tail', '0', n]);
        check(await f.waitFor(/last/, 15_000), `follow saw ${JSON.stringify(f.out)}`);
        check(!/l1|late/.test(f.out), `follow --tail 0 repeated old lines: ${JSON.stringify(f.out)}`);
        await f.stop();
      });
    },
  },
  {
    id: 'cli-exec',
    client: 'docker-cli',
    title: 'docker exec: output, -e, -w, -i with stdin, exit code',
    async run(t) {
      const n = t.name('exec');
      removeContainers(t, n);
      await t.step('run', () => t.docker(['run', '-d', '--name', n, t.image('busybox'), 'sleep', '300']));
      await t.step('exec', async () => {
        const r = await t.docker(['exec', n, 'echo', 'in-container']);
        check(r.stdout.trim() === 'in-container', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('exec -e -w', async () => {
        const r = await t.docker(['exec', '-e', 'X=1', '-w', '/tmp', n, 'sh', '-c', 'echo "$X $(pwd)"']);
        check(r.stdout.trim() === '1 /tmp', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('exec -i stdin', async () => {
        const r = await t.docker(['exec', '-i', n, 'sh', '-c', 'tr a-z A-Z'], { input: 'piped text\n' });
        check(r.stdout.trim() === 'PIPED TEXT', `stdout ${JSON.stringify(r.stdout)}`);
      });
      await t.step('exec exit code', async () => {
        const r = await t.dockerAny(['exec', n, 'sh', '-c', 'exit 7']);
        check(r.exit === 7, `exit ${r.exit}: ${r.stderr}`);
      });
      await t.step('exec -u', async () => {
        const r = await t.docker(['exec', '-u', '1000', n, 'id', '-u']);
        check(r.stdout.trim() === '1000', `stdout ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-cp',
    client: 'docker-cli',
    title: 'docker cp host→container and container→host',
    async run(t) {
      const n = t.name('cp');
      removeContainers(t, n);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'compat-cp-'));
      t.defer(`rm ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
      await fs.writeFile(path.join(dir, 'in.txt'), `payload ${t.uid}\n`);
      await t.step('run', () => t.docker(['run', '-d', '--name', n, t.image('busybox'), 'sleep', '300']));
      await t.step('cp to container', async () => {
        await t.docker(['cp', path.join(dir, 'in.txt'), `${n}:/tmp/in.txt`]);
        const r = await t.docker(['exec', n, 'cat', '/tmp/in.txt']);
        check(r.stdout.trim() === `payload ${t.uid}`, `cat ${JSON.stringify(r.stdout)}`);
      });
      await t.step('cp from container', async () => {
        await t.docker(['exec', n, 'sh', '-c', 'mkdir -p /out/sub && echo made-inside > /out/sub/f']);
        await t.docker(['cp', `${n}:/out`, path.join(dir, 'out')]);
        const text = await fs.readFile(path.join(dir, 'out/sub/f'), 'utf8');
        check(text === 'made-inside\n', `copied ${JSON.stringify(text)}`);
      });
      await t.step('cp to stdout (tar)', async () => {
        const r = await t.docker(['cp', `${n}:/tmp/in.txt`, '-']);
        check(r.stdout.includes('in.txt') && r.stdout.includes(`payload ${t.uid}`), 'tar stream lacks the file');
      });
    },
  },
  {
    id: 'cli-stats-top',
    client: 'docker-cli',
    title: 'docker stats --no-stream, docker top',
    async run(t) {
      const n = t.name('st');
      removeContainers(t, n);
      await t.step('run', () => t.docker(['run', '-d', '--name', n, t.image('busybox'), 'sleep', '300']));
      await t.step('stats --no-stream', async () => {
        const r = await t.docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', n], { timeoutMs: 30_000 });
        check(new RegExp(`^${n}\\|[\\d.]+[KMG]?i?B / [\\d.]+[KMGT]i?B\\|1$`).test(r.stdout.trim()), `stats ${JSON.stringify(r.stdout)}`);
      });
      await t.step('top', async () => {
        const r = await t.docker(['top', n]);
        const lines = r.stdout.trim().split('\n');
        check(/PID/.test(lines[0]!) && lines.some((l) => /sleep 300/.test(l)), `top ${JSON.stringify(r.stdout)}`);
      });
    },
  },
  {
    id: 'cli-events',
    client: 'docker-cli',
    title: 'docker events --since/--until --filter, for a container lifecycle',
    async run(t) {
      const n = t.name('ev');
      removeContainers(t, n);
      const since = Math.floor(Date.now() / 1000) - 1;
      await t.step('lifecycle', async () => {
        await t.docker(['run', '--name', n, t.image('busybox'), 'true']);
        await t.docker(['rm', n]);
      });
      await sleep(1100);
      const until = Math.ceil(Date.now() / 1000);
      await t.step('events since/until', async () => {
        const r = await t.docker(['events', '--since', String(since), '--until', String(until), '--filter', `container=${n}`, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'], { timeoutMs: 20_000 });
        const actions = r.stdout.trim().split('\n').map((l) => l.split(' ')[1]);
        for (const a of ['create', 'start', 'die', 'destroy']) check(actions.includes(a), `no ${a} event in ${JSON.stringify(r.stdout)}`);
        check(r.stdout.trim().split('\n').every((l) => l.startsWith('container ') && l.endsWith(` ${n}`)), `events ${JSON.stringify(r.stdout)}`);
      });
      await t.step('events stream', async () => {
        const e = t.spawn(DOCKER, ['events', '--filter', `container=${n}2`, '--format', '{{.Action}}']);
        removeContainers(t, `${n}2`);
        await sleep(500);
        await t.docker(['create', '--name', `${n}2`, t.image('busybox'), 'true']);
        check(await e.waitFor(/^create$/m, 10_000), `stream saw ${JSON.stringify(e.out)}`);
        await e.stop();
      });
    },
  },
  {
    id: 'cli-lifecycle',
    client: 'docker-cli',
    title: 'inspect -f, stop/start/restart/kill, pause/unpause, rename, rm',
    async run(t) {
      const n = t.name('life');
      const n2 = t.name('renamed');
      removeContainers(t, n, n2);
      await t.step('run', () => t.docker(['run', '-d', '--name', n, t.image('busybox'), 'sleep', '300']));
      await t.step('inspect -f', async () => {
        const r = await t.docker(['inspect', '-f', '{{.Name}} {{.State.Running}} {{.Config.Image}} {{json .Config.Cmd}}', n]);
        check(r.stdout.trim() === `/${n} true ${t.image('busybox')} ["sleep","300"]`, `inspect ${JSON.stringify(r.stdout)}`);
      });
      await t.step('stop', async () => {
        await t.docker(['stop', '-t', '1', n], { timeoutMs: 30_000 });
        check((await state(t, n)) === 'exited', 'not exited after stop');
      });
      await t.step('start', async () => {
        await t.docker(['start', n]);
        check((await state(t, n)) === 'running', 'not running after start');
      });
      await t.step('restart', async () => {
        const before = (await t.docker(['inspect', '-f', '{{.State.StartedAt}}', n])).stdout.trim();
        await t.docker(['restart', '-t', '1', n], { timeoutMs: 30_000 });
        const after = (await t.docker(['inspect', '-f', '{{.State.StartedAt}} {{.State.Status}}', n])).stdout.trim();
        check(after.endsWith(' running') && !after.startsWith(before), `before ${before} after ${after}`);
      });
      await t.step('pause', async () => {
        await t.docker(['pause', n]);
        check((await state(t, n)) === 'paused', 'not paused');
      });
      await t.step('unpause', async () => {
        await t.docker(['unpause', n]);
        check((await state(t, n)) === 'running', 'not running after unpause');
      });
      await t.step('kill', async () => {
        await t.docker(['kill', '-s', 'KILL', n]);
        const r = await t.until(5000, async () => { const s = (await t.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', n])).stdout.trim(); return s === 'exited 137' ? s : ''; });
        check(r, 'not "exited 137" after kill -s KILL');
      });
      await t.step('rename', async () => {
        await t.docker(['rename', n, n2]);
        const r = await t.docker(['inspect', '-f', '{{.Name}}', n2]);
        check(r.stdout.trim() === `/${n2}`, `inspect ${JSON.stringify(r.stdout)}`);
      });
      await t.step('rm', async () => {
        await t.docker(['rm', n2]);
        const r = await t.dockerAny(['inspect', n2]);
        check(r.exit !== 0 && /No such/i.test(r.stderr), `inspect after rm: ${r.exit} ${r.stderr}`);
      });
    },
  },
  {
    id: 'cli-prune',
    client: 'docker-cli',
    title: 'container/image/volume/network/system prune (label-filtered to this run)',
    async run(t) {
      const label = `compat=${t.uid}`;
      const c = t.name('pc');
      const c2 = t.name('pc2');
      const v = t.name('pv');
      const net = t.name('pn');
      const net2 = t.name('pn2');
      removeContainers(t, c, c2);
      removeVolume(t, v);
      removeNetwork(t, net);
      removeNetwork(t, net2);
      await t.step('container prune', async () => {
        await t.docker(['run', '--name', c, '--label', label, t.image('busybox'), 'true']);
        const r = await t.docker(['container', 'prune', '-f', '--filter', `label=${label}`]);
        check(r.stdout.includes('Deleted Containers'), `prune ${JSON.stringify(r.stdout)}`);
        check((await t.dockerAny(['inspect', c])).exit !== 0, 'container still there');
      });
      await t.step('image prune', async () => {
        await t.docker(['run', '--name', c2, t.image('busybox'), 'touch', '/marker']);
        const id = (await t.docker(['commit', '--change', `LABEL ${label.replace('=', '="')}"`, c2])).stdout.trim();
        await t.docker(['rm', c2]);
        t.defer(`rmi ${id}`, async () => { const r = await t.dockerAny(['rmi', id]); if (r.exit !== 0 && !/No such image/i.test(r.stderr)) throw new Error(r.stderr.trim()); });
        const r = await t.docker(['image', 'prune', '-f', '--filter', `label=${label}`]);
        check(r.stdout.includes(id.replace('sha256:', '').slice(0, 12)) || r.stdout.includes(id), `prune ${JSON.stringify(r.stdout)}`);
        check((await t.dockerAny(['image', 'inspect', id])).exit !== 0, 'image still there');
      });
      await t.step('volume prune', async () => {
        await t.docker(['volume', 'create', '--label', label, v]);
        const r = await t.docker(['volume', 'prune', '-f', '--filter', `label=${label}`]);
        check(r.stdout.includes(v), `prune ${JSON.stringify(r.stdout)}`);
        check((await t.dockerAny(['volume', 'inspect', v])).exit !== 0, 'volume still there');
      });
      await t.step('network prune', async () => {
        await t.docker(['network', 'create', '--label', label, net]);
        const r = await t.docker(['network', 'prune', '-f', '--filter', `label=${label}`]);
        check(r.stdout.includes(net), `prune ${JSON.stringify(r.stdout)}`);
        check((await t.dockerAny(['network', 'inspect', net])).exit !== 0, 'network still there');
      });
      await t.step('system prune', async () => {
        await t.docker(['network', 'create', '--label', label, net2]);
        await t.docker(['run', '--name', c, '--label', label, t.image('busybox'), 'true']);
        const r = await t.docker(['system', 'prune', '-f', '--filter', `label=${label}`], { timeoutMs: 60_000 });
        check(r.stdout.includes(net2), `prune ${JSON.stringify(r.stdout)}`);
        check((await t.dockerAny(['inspect', c])).exit !== 0, 'container still there');
        check((await t.dockerAny(['network', 'inspect', net2])).exit !== 0, 'network still there');
      });
    },
  },
  {
    id: 'cli-volume',
    client: 'docker-cli',
    title: 'docker volume create/ls/inspect/rm, data shared between containers',
    async run(t) {
      const v = t.name('vol');
      removeVolume(t, v);
      await t.step('create', () => t.docker(['volume', 'create', '--label', `compat=${t.uid}`, v]));
      await t.step('ls', async () => {
        const r = await t.docker(['volume', 'ls', '--filter', `name=${v}`, '--format', '{{.Driver}} {{.Name}}']);
        check(r.stdout.trim() === `local ${v}`, `ls ${JSON.stringify(r.stdout)}`);
      });
      await t.step('inspect', async () => {
        const r = await t.docker(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{index .Labels "compat"}}', v]);
        check(r.stdout.trim() === `${v} local ${t.uid}`, `inspect ${JSON.stringify(r.stdout)}`);
      });
      await t.step('write and read through two containers', async () => {
        await t.docker(['run', '--rm', '-v', `${v}:/data`, t.image('busybox'), 'sh', '-c', 'echo kept > /data/f']);
        const r = await t.docker(['run', '--rm', '-v', `${v}:/data:ro`, t.image('busybox'), 'cat', '/data/f']);
        check(r.stdout.trim() === 'kept', `cat ${JSON.stringify(r.stdout)}`);
      });
      await t.step('rm', async () => {
        await t.docker(['volume', 'rm', v]);
        check((await t.dockerAny(['volume', 'inspect', v])).exit !== 0, 'volume still there');
      });
    },
  },
  {
    id: 'cli-network',
    client: 'docker-cli',
    title: 'docker network create/ls/inspect/connect/disconnect/rm',
    async run(t) {
      const net = t.name('net');
      const c = t.name('c');
      removeContainers(t, c);
      removeNetwork(t, net);
      await t.step('create', () => t.docker(['network', 'create', '--label', `compat=${t.uid}`, net]));
      await t.step('ls', async () => {
        const r = await t.docker(['network', 'ls', '--filter', `name=${net}`, '--format', '{{.Name}} {{.Driver}}']);
        check(r.stdout.trim() === `${net} bridge`, `ls ${JSON.stringify(r.stdout)}`);
      });
      await t.step('inspect', async () => {
        const r = await t.docker(['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{index .Labels "compat"}} {{(index .IPAM.Config 0).Subnet}}', net]);
        check(new RegExp(`^${net} bridge ${t.uid} \\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$`).test(r.stdout.trim()), `inspect ${JSON.stringify(r.stdout)}`);
      });
      await t.step('connect', async () => {
        await t.docker(['run', '-d', '--name', c, t.image('busybox'), 'sleep', '300']);
        await t.docker(['network', 'connect', net, c]);
        const r = await t.docker(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', c]);
        check(r.stdout.split(' ').includes(net), `networks ${JSON.stringify(r.stdout)}`);
        const ifs = await t.docker(['exec', c, 'ip', '-o', 'link']);
        check(/eth1/.test(ifs.stdout), `no eth1: ${JSON.stringify(ifs.stdout)}`);
      });
      await t.step('disconnect', async () => {
        await t.docker(['network', 'disconnect', net, c]);
        const r = await t.docker(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', c]);
        check(!r.stdout.split(' ').includes(net), `networks ${JSON.stringify(r.stdout)}`);
      });
      await t.step('rm', async () => {
        await t.docker(['network', 'rm', net]);
        check((await t.dockerAny(['network', 'inspect', net])).exit !== 0, 'network still there');
      });
    },
  },
  {
    id: 'cli-image-transfer',
    client: 'docker-cli',
    title: 'docker tag, push (loopback registry), rmi, pull back, save, load',
    timeoutMs: 240_000,
    async run(t) {
      const repo = `${t.registry}/${t.uid}-busybox`;
      const ref = `${repo}:t1`;
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'compat-save-'));
      t.defer(`rm ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
      removeImage(t, ref);
      t.defer(`registry delete ${repo}`, () => deleteFromRegistry(t.registry, `${t.uid}-busybox`, 't1'));
      await t.step('pull', () => t.docker(['pull', '-q', t.image('busybox')], { timeoutMs: 180_000 }));
      await t.step('tag', async () => {
        await t.docker(['tag', t.image('busybox'), ref]);
        const a = (await t.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
        const b = (await t.docker(['image', 'inspect', '-f', '{{.Id}}', t.image('busybox')])).stdout.trim();
        check(a === b && a !== '', `ids ${a} ${b}`);
      });
      await t.step('push', async () => {
        const r = await t.docker(['push', ref], { timeoutMs: 120_000 });
        check(/t1: digest: sha256:[0-9a-f]{64}/.test(r.stdout), `push ${JSON.stringify(r.stdout)}`);
      });
      await t.step('rmi and pull back', async () => {
        await t.docker(['rmi', ref]);
        await t.docker(['pull', ref], { timeoutMs: 120_000 });
      });
      await t.step('save', async () => {
        await t.docker(['save', '-o', path.join(dir, 'img.tar'), ref], { timeoutMs: 120_000 });
        const st = await fs.stat(path.join(dir, 'img.tar'));
        check(st.size > 100_000, `save wrote ${st.size} bytes`);
      });
      await t.step('load', async () => {
        await t.docker(['rmi', ref]);
        const r = await t.docker(['load', '-i', path.join(dir, 'img.tar')], { timeoutMs: 120_000 });
        check(r.stdout.includes(`Loaded image: ${ref}`), `load ${JSON.stringify(r.stdout)}`);
        await t.docker(['image', 'inspect', ref]);
      });
    },
  },
  {
    id: 'cli-system-df',
    client: 'docker-cli',
    title: 'docker system df',
    async run(t) {
      await t.step('pull', () => t.docker(['pull', '-q', t.image('busybox')], { timeoutMs: 180_000 }));
      await t.step('system df', async () => {
        const r = await t.docker(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}']);
        const rows = new Map(r.stdout.trim().split('\n').map((l) => l.split('|') as [string, string]));
        check(Number(rows.get('Images')) >= 1 && rows.has('Containers') && rows.has('Local Volumes'), `df ${JSON.stringify(r.stdout)}`);
      });
      await t.step('system df -v', async () => {
        const r = await t.docker(['system', 'df', '-v']);
        check(r.stdout.includes(`${t.registry}/busybox`), 'df -v does not list the busybox image');
      });
    },
  },
];

/** Deletes a tag's manifest from the loopback registry (its config allows deletes). */
export async function deleteFromRegistry(registry: string, repo: string, tag: string): Promise<void> {
  const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
  const head = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept } });
  if (head.status === 404) return;
  const digest = head.headers.get('docker-content-digest');
  if (!digest) throw new Error(`registry gave no digest for ${repo}:${tag} (${head.status})`);
  const del = await fetch(`http://${registry}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
  if (del.status !== 202 && del.status !== 404) throw new Error(`registry delete of ${repo}@${digest} answered ${del.status}`);
}
