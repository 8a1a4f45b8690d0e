// Shared namespaces, pod style, and the small run options, end to end through the CLI:
// --network container: (one netns: loopback between the two, the owner's published port
// serves the joiner's server, the owner's hostname and etc files), --pid container:,
// --ipc shareable/container:, --init (PID 1 reaps orphans and forwards SIGTERM), --add-host
// (host-gateway too), --dns/--dns-search/--dns-option, --stop-signal/--stop-timeout, and
// docker's refusals (exit 125, one line, nothing created). Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '0.0.0.0', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let p = 28650; p < 32000; p += 7) if (await portFree(p)) return p;
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

describe.skipIf(!isRoot)('cli: shared namespaces and run options (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  const ok = async (args: string[]) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const inspect = async (name: string) => JSON.parse(await ok(['inspect', name]))[0];

  it('--network container: shares one network namespace: loopback, the owner\'s published port, its hostname and etc files', async () => {
    const port = await freePort();
    await ok(['run', '-d', '--name', 'pod', '--hostname', 'podhost', '-p', `${port}:80`, IMAGE, 'sleep', '600']);
    await ok(['run', '-d', '--name', 'web', '--network', 'container:pod', IMAGE,
      'sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www']);
    // the owner's published port reaches the joiner's server
    const body = await retry(() => get(port).catch((e: Error) => e.message), (b) => b === 'hello-from-web\n');
    expect(body).toBe('hello-from-web\n');
    // the owner reaches it on its own loopback
    expect(await ok(['exec', 'pod', 'wget', '-qO-', 'http://127.0.0.1:80/'])).toBe('hello-from-web\n');
    // one address, the owner's hostname and files
    const ip = (await inspect('pod')).NetworkSettings.IPAddress as string;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await ok(['exec', 'web', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(`inet ${ip}/`);
    expect(await ok(['exec', 'web', 'hostname'])).toBe('podhost\n');
    expect(await ok(['exec', 'web', 'cat', '/etc/hosts'])).toBe(await ok(['exec', 'pod', 'cat', '/etc/hosts']));
    expect(await ok(['exec', 'web', 'cat', '/etc/resolv.conf'])).toBe(await ok(['exec', 'pod', 'cat', '/etc/resolv.conf']));
    const web = await inspect('web');
    expect(web.HostConfig.NetworkMode).toBe('container:pod');
    expect(web.Config.Hostname).toBe('podhost');
    // the joiner stays in its holder's user namespace: it is root there, not on the host
    const uidMap = await ok(['exec', 'web', 'cat', '/proc/self/uid_map']);
    expect(uidMap).toBe(await ok(['exec', 'pod', 'cat', '/proc/self/uid_map']));
    expect(uidMap.trim().split(/\s+/)[1]).not.toBe('0');
  }, 120_000);

  it('--pid container: sees the other container\'s processes; --ipc container: shares /dev/shm of a shareable donor', async () => {
    const ps = await ok(['run', '--rm', '--pid', 'container:pod', IMAGE, 'ps', '-o', 'pid,args']);
    expect(ps).toMatch(/^\s*1\s+sleep 600$/m);
    await ok(['run', '-d', '--name', 'shmown', '--ipc', 'shareable', IMAGE, 'sh', '-c', 'echo shared-memory > /dev/shm/x; exec sleep 600']);
    const got = await retry(() => eng.cli(['run', '--rm', '--ipc', 'container:shmown', IMAGE, 'cat', '/dev/shm/x']), (r) => r.stdout === 'shared-memory\n', 20);
    expect(got.stdout, got.stderr).toBe('shared-memory\n');
    // the same IPC namespace
    expect(await ok(['run', '--rm', '--ipc', 'container:shmown', IMAGE, 'readlink', '/proc/self/ns/ipc'])).toBe(await ok(['exec', 'shmown', 'readlink', '/proc/self/ns/ipc']));
    // docker: a private one is not lent
    const priv = await eng.cli(['run', '--rm', '--ipc', 'container:pod', IMAGE, 'true']);
    expect(priv.exitCode).toBe(125);
    expect(priv.stderr).toMatch(/non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)/);
    // --ipc none: no /dev/shm
    expect((await eng.cli(['run', '--rm', '--ipc', 'none', IMAGE, 'test', '-d', '/dev/shm/.'])).exitCode).not.toBe(0);
  }, 120_000);

  it('--uts host, --ipc host and --pid host (with --userns=host) keep the host\'s namespaces', async () => {
    const link = (ns: string) => fs.readlink(`/proc/self/ns/${ns}`);
    expect(await ok(['run', '--rm', '--uts', 'host', IMAGE, 'hostname'])).toBe(`${os.hostname()}\n`);
    expect(await ok(['run', '--rm', '--ipc', 'host', IMAGE, 'readlink', '/proc/self/ns/ipc'])).toBe(`${await link('ipc')}\n`);
    expect(await ok(['run', '--rm', '--pid', 'host', '--userns', 'host', IMAGE, 'readlink', '/proc/self/ns/pid'])).toBe(`${await link('pid')}\n`);
    // the private default is a namespace of the container's own
    expect(await ok(['run', '--rm', IMAGE, 'readlink', '/proc/self/ns/ipc'])).not.toBe(`${await link('ipc')}\n`);
  }, 120_000);

  it('refuses what docker refuses with container: networks (one line, exit 125, nothing created)', async () => {
    const before = await ok(['ps', '-aq']);
    const cases: [string[], string][] = [
      [['-p', '8080:80'], 'conflicting options: port publishing and the container type network mode'],
      [['--hostname', 'x'], 'conflicting options: hostname and the network mode'],
      [['--add-host', 'a:1.2.3.4'], 'conflicting options: custom host-to-IP mapping and the network mode'],
      [['--dns', '1.1.1.1'], 'conflicting options: dns and the network mode'],
    ];
    for (const [flags, msg] of cases) {
      const r = await eng.cli(['run', '--rm', '--network', 'container:pod', ...flags, IMAGE, 'true']);
      expect(r.exitCode, r.stderr).toBe(125);
      // docker's output: the error, then its hint to the command's help
      expect(r.stderr.split('\n')[0]).toBe(`minidock: Error response from daemon: ${msg}`);
    }
    const missing = await eng.cli(['run', '--rm', '--network', 'container:nosuch', IMAGE, 'true']);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr.split('\n')[0]).toBe('minidock: Error response from daemon: No such container: nosuch');
    const pidHost = await eng.cli(['run', '--rm', '--pid', 'host', IMAGE, 'true']);
    expect(pidHost.exitCode).toBe(125);
    expect(pidHost.stderr).toMatch(/cannot share the host PID namespace when user namespaces are enabled/);
    expect(await ok(['ps', '-aq'])).toBe(before);
  }, 120_000);

  it('a stopped owner: joiners cannot start ("cannot join network of a non running container"); the owner can be removed', async () => {
    await ok(['create', '--name', 'idle', IMAGE, 'sleep', '600']);
    const r = await eng.cli(['run', '--name', 'late', '--network', 'container:idle', IMAGE, 'true']);
    expect(r.exitCode).toBe(125);
    const idleId = (await inspect('idle')).Id;
    expect(r.stderr).toContain(`cannot join network of a non running container: ${idleId}`);
    await ok(['rm', 'late']);
    // docker lets the owner be stopped and removed while a joiner runs; the joiner keeps running
    await ok(['run', '-d', '--name', 'own2', IMAGE, 'sleep', '600']);
    await ok(['run', '-d', '--name', 'join2', '--network', 'container:own2', IMAGE, 'sleep', '600']);
    await ok(['rm', '-f', 'own2']);
    expect((await inspect('join2')).State.Running).toBe(true);
    expect(await ok(['exec', 'join2', 'cat', '/sys/class/net/lo/operstate'])).toMatch(/unknown|up/);
    await ok(['rm', '-f', 'join2', 'idle']);
  }, 120_000);

  it('--init: PID 1 is the init, it reaps orphans and forwards SIGTERM; the command\'s status is the container\'s', async () => {
    // an orphan (the subshell's sleep) is reparented to PID 1 and must be reaped when it ends
    const orphan = ['sh', '-c', '(sleep 0.2 &); exec sleep 600'];
    await ok(['run', '-d', '--name', 'reaped', '--init', IMAGE, ...orphan]);
    await ok(['run', '-d', '--name', 'zombie', IMAGE, ...orphan]);
    const stat = (name: string) => ok(['exec', name, 'ps', '-o', 'stat,args']);
    // without an init, sleep 600 as PID 1 never waits: the orphan stays a zombie (the control)
    expect(await retry(() => stat('zombie'), (s) => /^Z/m.test(s))).toMatch(/^Z/m);
    await new Promise((r) => setTimeout(r, 1000));
    const ps = await stat('reaped');
    expect(ps).not.toMatch(/^Z/m);
    expect(await ok(['exec', 'reaped', 'cat', '/proc/1/comm'])).toBe('docker-init\n');
    expect(await ok(['exec', 'reaped', 'ps', '-o', 'pid,args'])).toMatch(/^\s*1\s+\/sbin\/docker-init -- sh -c/m);
    expect(await ok(['exec', 'reaped', 'sh', '-c', 'cat /proc/$(cat /proc/1/task/1/children | cut -d" " -f1)/comm'])).toBe('sleep\n');
    // sleep as PID 1 ignores SIGTERM (killed after the timeout: 137); under init it gets it (143)
    await ok(['stop', '-t', '5', 'reaped']);
    expect((await inspect('reaped')).State.ExitCode).toBe(143);
    await ok(['stop', '-t', '1', 'zombie']);
    expect((await inspect('zombie')).State.ExitCode).toBe(137);
    // the command's exit code is the container's
    const r = await eng.cli(['run', '--rm', '--init', IMAGE, 'sh', '-c', 'exit 7']);
    expect(r.exitCode).toBe(7);
    // with a tty (the command gets the terminal's foreground group) the status is the command's too
    const t = await eng.cli(['run', '--rm', '-t', '--init', IMAGE, 'sh', '-c', 'exit 3']);
    expect(t.exitCode, t.stderr).toBe(3);
    const nf = await eng.cli(['run', '--rm', '--init', IMAGE, 'nosuchcmd']);
    expect(nf.exitCode).toBe(127);
    await ok(['rm', 'reaped', 'zombie']);
  }, 120_000);

  it('--add-host (host-gateway too), --dns, --dns-search, --dns-option appear in /etc/hosts and /etc/resolv.conf', async () => {
    const gw = JSON.parse(await ok(['network', 'inspect', 'bridge']))[0].IPAM.Config[0].Gateway as string;
    const out = await ok(['run', '--rm', '--add-host', 'db.local:10.1.2.3', '--add-host', 'host.docker.internal=host-gateway',
      '--dns', '10.9.9.9', '--dns', '10.9.9.8', '--dns-search', 'example.test', '--dns-option', 'ndots:2', IMAGE,
      'sh', '-c', 'cat /etc/hosts; echo ---; cat /etc/resolv.conf']);
    const [hosts, resolv] = out.split('---\n');
    expect(hosts).toMatch(/^10\.1\.2\.3\tdb\.local$/m);
    expect(hosts).toMatch(new RegExp(`^${gw.replace(/\./g, '\\.')}\\thost\\.docker\\.internal$`, 'm'));
    expect(resolv).toBe('search example.test\nnameserver 10.9.9.9\nnameserver 10.9.9.8\noptions ndots:2\n');
    // --mac-address: the first network's interface
    expect(await ok(['run', '--rm', '--mac-address', '92:d0:c6:0a:29:33', IMAGE, 'cat', '/sys/class/net/eth0/address'])).toBe('92:d0:c6:0a:29:33\n');
    const mc = await eng.cli(['run', '--rm', '--mac-address', '93:d0:c6:0a:29:33', IMAGE, 'true']);
    expect(mc.exitCode).toBe(125);
    expect(mc.stderr.split('\n')[0]).toBe('minidock: Error response from daemon: invalid MAC address: 93:d0:c6:0a:29:33 is a multicast address');
    const bad = await eng.cli(['run', '--rm', '--add-host', 'nocolon', IMAGE, 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr.split('\n')[0]).toBe('minidock: Error response from daemon: bad format for add-host: "nocolon"');
  }, 120_000);

  it('--stop-signal and --stop-timeout work end to end', async () => {
    await ok(['run', '-d', '--name', 'sig', '--stop-signal', 'SIGUSR1', IMAGE, 'sh', '-c', 'trap "exit 9" USR1; while true; do sleep 0.1; done']);
    await ok(['stop', 'sig']);
    expect((await inspect('sig')).State.ExitCode).toBe(9);
    await ok(['run', '-d', '--name', 'tmo', '--stop-timeout', '1', IMAGE, 'sleep', '600']);
    expect((await inspect('tmo')).Config.StopTimeout).toBe(1);
    await ok(['stop', 'tmo']);
    expect((await inspect('tmo')).State.ExitCode).toBe(137);
    await ok(['rm', 'sig', 'tmo']);
  }, 120_000);
});
