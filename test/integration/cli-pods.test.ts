// Pods end to end through the CLI: a pod's holder (no image: the shim's hold mode) keeps the
// namespaces; two containers of the pod talk over 127.0.0.1, a port published on the pod
// serves from the host, they share the pod's hostname and /etc/hosts; the pod outlives its
// containers; `pod rm` needs -f while it runs and then leaves nothing behind (no shim, mount,
// cgroup, endpoint). Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { run } from '../../src/util/exec.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '0.0.0.0', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let p = 29650; p < 32000; p += 11) if (await portFree(p)) return p;
  throw new Error('no free port found for the test');
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port} timed out`)));
    req.on('error', reject);
  });
}

async function retry<T>(f: () => Promise<T>, ok: (v: T) => boolean, tries = 50): Promise<T> {
  let v = await f();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await f();
  }
  return v;
}

/** Processes whose command line names this engine's run dir (its shims). */
async function shimsOf(runDir: string): Promise<number[]> {
  const out: number[] = [];
  for (const p of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('minidock-shim') && cmd.includes(runDir)) out.push(Number(p));
  }
  return out;
}

/** Container cgroups under the engine's parent (v2 and v1 layouts). */
async function cgroupsUnder(parent: string): Promise<string[]> {
  const dirs = [path.join('/sys/fs/cgroup', parent)];
  for (const c of await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[])) dirs.push(path.join('/sys/fs/cgroup', c, parent));
  const out: string[] = [];
  for (const d of dirs) for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) out.push(path.join(d, e.name));
  return out;
}

describe.skipIf(!isRoot)('cli: pods (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    // holders go with their pods only (docker rm refuses them)
    const pods = (await eng.cli(['pod', 'ls', '-q', '--no-trunc'], { timeoutMs: 20_000 })).stdout.split('\n').filter(Boolean);
    if (pods.length) await eng.cli(['pod', 'rm', '-f', ...pods], { timeoutMs: 60_000 });
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  const ok = async (args: string[]) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const fails = async (args: string[], why: string) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    expect(r.exitCode, `${args.join(' ')}: ${r.stdout}`).not.toBe(0);
    expect(r.stderr).toContain(why);
    return r;
  };

  it('a pod of two containers: loopback, a port published on the pod, one hostname; it outlives them; rm needs -f and leaves nothing', async () => {
    const port = await freePort();
    const podId = (await ok(['pod', 'create', '--name', 'web', '--hostname', 'webpod', '-p', `127.0.0.1:${port}:80`, '--label', 'tier=front'])).trim();
    expect(podId).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok(['pod', 'ls'])).toMatch(/^POD ID\s+NAME\s+STATUS\s+CREATED\s+# OF CONTAINERS\n[0-9a-f]{12}\s+web\s+Created\s+.* ago\s+0\n$/);
    // the members: a server and a client (the holder runs once the pod is started)
    await ok(['pod', 'start', 'web']);
    expect((await ok(['pod', 'inspect', '-f', '{{.State}}', 'web'])).trim()).toBe('Running');
    await ok(['run', '-d', '--pod', 'web', '--name', 'srv', IMAGE,
      'sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 80 -h /www']);
    await ok(['create', '--pod', 'web', '--name', 'cli', IMAGE, 'sleep', '600']);
    await ok(['start', 'cli']);
    // the client reaches the server on its own loopback
    const viaLo = await retry(() => eng.cli(['exec', 'cli', 'wget', '-qO-', 'http://127.0.0.1:80/']).then((r) => r.stdout), (b) => b === 'hello-from-pod\n');
    expect(viaLo).toBe('hello-from-pod\n');
    // the port published on the pod serves the member's server from the host
    expect(await retry(() => get(port).catch((e: Error) => e.message), (b) => b === 'hello-from-pod\n')).toBe('hello-from-pod\n');
    // one hostname, one /etc/hosts, one network namespace
    expect((await ok(['exec', 'srv', 'hostname'])).trim()).toBe('webpod');
    expect((await ok(['exec', 'cli', 'hostname'])).trim()).toBe('webpod');
    expect(await ok(['exec', 'cli', 'cat', '/etc/hosts'])).toBe(await ok(['exec', 'srv', 'cat', '/etc/hosts']));
    const pod = JSON.parse(await ok(['pod', 'inspect', 'web']))[0];
    expect(pod).toMatchObject({ Name: 'web', State: 'Running', Labels: { tier: 'front' }, Share: ['net', 'ipc', 'uts'], Hostname: 'webpod' });
    expect(pod.Containers.map((c: { Name: string }) => c.Name).sort()).toEqual(['cli', 'srv']);
    const holder = JSON.parse(await ok(['inspect', pod.InfraContainerId]))[0];
    const srv = JSON.parse(await ok(['inspect', 'srv']))[0];
    for (const ns of ['net', 'ipc', 'uts']) {
      expect(await fs.readlink(`/proc/${srv.State.Pid}/ns/${ns}`), ns).toBe(await fs.readlink(`/proc/${holder.State.Pid}/ns/${ns}`));
    }
    // docker clients see the members labelled, and the holder labelled as the pod's infra
    expect(srv.Config.Labels['minidock.pod']).toBe('web');
    expect(holder.Config.Labels).toMatchObject({ 'minidock.pod': 'web', 'minidock.pod.infra': 'true' });
    expect(await ok(['ps', '-q', '--no-trunc'])).toContain(pod.InfraContainerId);
    // the holder goes with its pod only
    await fails(['rm', '-f', pod.InfraContainerId], 'remove the pod (pod rm)');
    await fails(['exec', pod.InfraContainerId, 'true'], "holds a pod's namespaces");

    // the pod outlives its containers
    await ok(['stop', '-t', '1', 'srv', 'cli']);
    expect((await ok(['pod', 'inspect', '-f', '{{.State}}', 'web'])).trim()).toBe('Running');
    // pod stop stops the holder, pod start brings the holder and the containers back
    await ok(['pod', 'stop', 'web']);
    expect((await ok(['pod', 'inspect', '-f', '{{.State}}', 'web'])).trim()).toBe('Exited');
    await ok(['pod', 'start', 'web']);
    expect((await ok(['inspect', '-f', '{{.State.Status}}', 'srv'])).trim()).toBe('running');
    expect(await retry(() => get(port).catch((e: Error) => e.message), (b) => b === 'hello-from-pod\n')).toBe('hello-from-pod\n');

    // removal: refused while running, -f takes everything
    await fails(['pod', 'rm', 'web'], 'pod web is running (2 running container(s)): stop it first or use -f');
    expect(await ok(['pod', 'rm', '-f', 'web'])).toBe('web\n');
    expect(await ok(['pod', 'ls', '-q'])).toBe('');
    expect(await ok(['ps', '-aq'])).toBe('');
    expect(await shimsOf(eng.env.MINIDOCK_RUN!)).toEqual([]);
    expect(await eng.leftovers()).toEqual({ containers: [], mounts: [] });
    expect(await cgroupsUnder(eng.env.MINIDOCK_CGROUP_PARENT!)).toEqual([]);
    const veths = await run('ip', ['-o', 'link', 'show', 'master', eng.bridge]);
    expect(veths.stdout.trim()).toBe('');
    await fails(['pod', 'inspect', 'web'], 'no such pod: web');
  }, 240_000);

  it('refuses what a pod owns on its containers, and shares only what it is told to', async () => {
    await ok(['pod', 'create', '--name', 'lone', '--share', 'net']);
    await fails(['run', '--pod', 'lone', '-p', '8080:80', IMAGE, 'true'], 'ports are published on the pod');
    await fails(['run', '--pod', 'lone', '--network', 'bridge', IMAGE, 'true'], "--network conflicts with the pod's network");
    await fails(['run', '--pod', 'lone', '--hostname', 'x', IMAGE, 'true'], "--hostname conflicts with the pod's hostname");
    await fails(['run', '--pod', 'nosuch', IMAGE, 'true'], 'no such pod: nosuch');
    await fails(['pod', 'create', '--share', 'ipc'], 'a pod always shares net');
    await fails(['pod', 'create', '--share', 'net,pid'], '--share pid: not one of net, ipc, uts');
    await fails(['pod', 'create', '--name', 'lone'], 'pod name "lone" is already in use');
    // a container of a pod that is down starts its holder first
    await ok(['run', '-d', '--pod', 'lone', '--name', 'member', IMAGE, 'sleep', '600']);
    expect((await ok(['pod', 'inspect', '-f', '{{.State}}', 'lone'])).trim()).toBe('Running');
    const holder = JSON.parse(await ok(['pod', 'inspect', 'lone']))[0].InfraContainerId;
    const m = JSON.parse(await ok(['inspect', 'member']))[0];
    const h = JSON.parse(await ok(['inspect', holder]))[0];
    expect(await fs.readlink(`/proc/${m.State.Pid}/ns/net`)).toBe(await fs.readlink(`/proc/${h.State.Pid}/ns/net`));
    expect(await fs.readlink(`/proc/${m.State.Pid}/ns/ipc`)).not.toBe(await fs.readlink(`/proc/${h.State.Pid}/ns/ipc`));
    expect(await fs.readlink(`/proc/${m.State.Pid}/ns/uts`)).not.toBe(await fs.readlink(`/proc/${h.State.Pid}/ns/uts`));
    // a stopped pod removes with its stopped containers, no -f needed (podman's pod rm)
    await ok(['pod', 'stop', '-t', '1', 'lone']);
    expect(await ok(['pod', 'rm', 'lone'])).toBe('lone\n');
    expect(await ok(['ps', '-aq'])).toBe('');
  }, 240_000);

  it('an engine restart keeps a running pod and its container; a pod without a holder and a holder without a pod go', async () => {
    const port = await freePort();
    await ok(['pod', 'create', '--name', 'keep', '-p', `127.0.0.1:${port}:80`]);
    await ok(['run', '-d', '--pod', 'keep', '--name', 'kept', IMAGE,
      'sh', '-c', 'mkdir -p /www && echo still-here > /www/index.html && exec httpd -f -p 80 -h /www']);
    const before = JSON.parse(await ok(['pod', 'inspect', 'keep']))[0];
    await eng.stop('SIGKILL');
    // left behind by an interrupted create or removal (written as the engine writes them)
    const root = eng.env.MINIDOCK_ROOT!;
    const lost = { Id: 'a'.repeat(64), Name: '/lost', Created: new Date().toISOString(), Labels: {}, Share: ['net'], InfraId: 'b'.repeat(64) };
    await fs.writeFile(path.join(root, 'pods', `${lost.Id}.json`), JSON.stringify(lost));
    await eng.start();
    expect(JSON.parse(await ok(['pod', 'inspect', 'keep']))[0]).toMatchObject({ State: 'Running', Containers: [{ Name: 'kept', State: 'running' }], InfraContainerId: before.InfraContainerId });
    expect(await retry(() => get(port).catch((e: Error) => e.message), (b) => b === 'still-here\n')).toBe('still-here\n');
    await fails(['pod', 'inspect', 'lost'], 'no such pod: lost');
    expect(await ok(['pod', 'ls', '-q', '--no-trunc'])).toBe(`${before.Id}\n`);
    // the pod's record gone while the engine is down: its holder goes at the next start
    await eng.stop('SIGKILL');
    await fs.rm(path.join(root, 'pods', `${before.Id}.json`));
    await eng.start();
    expect(await ok(['ps', '-aq', '--no-trunc'])).not.toContain(before.InfraContainerId);
    await ok(['rm', '-f', 'kept']);
    expect(await ok(['ps', '-aq'])).toBe('');
    expect(await shimsOf(eng.env.MINIDOCK_RUN!)).toEqual([]);
  }, 240_000);
});
