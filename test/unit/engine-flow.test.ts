// Engine logic over fake services (no root): lifecycle, errors, rollback, reconcile.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { MinidockError } from '../../src/errors.js';
import { fakeServices } from '../helpers/fake-services.js';

let dir: string;
let svc: ReturnType<typeof fakeServices>;
let engine: Engine;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'D-engine-'));
  svc = fakeServices();
  engine = new Engine({ root: path.join(dir, 'root'), run: path.join(dir, 'run') }, svc);
  await engine.init();
});
afterEach(async () => {
  // an exit being recorded may still be writing its record: retry ENOTEMPTY
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 20 });
});

const containerDirs = async () => fs.readdir(path.join(dir, 'root', 'containers'));

describe('engine lifecycle', () => {
  it('creates, starts with network and ports, stops and removes', async () => {
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['sleep', '100'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }, 'web');
    expect(Id).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.inspect('web').State.Status).toBe('created');
    await engine.start('web');
    const info = engine.inspect(Id.slice(0, 8));
    expect(info).toMatchObject({
      Name: '/web', Path: 'sleep', Args: ['100'], Image: 'sha256:' + 'b'.repeat(64),
      State: { Status: 'running', Running: true, ExitCode: 0 },
      Config: { Hostname: Id.slice(0, 12), Image: 'busybox', Cmd: ['sleep', '100'] },
      NetworkSettings: { IPAddress: '172.30.0.2', Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] }, Networks: { bridge: { IPAddress: '172.30.0.2', Gateway: '172.30.0.1', IPPrefixLen: 16 } } },
    });
    expect(info.State.Pid).toBeGreaterThan(0);
    expect(svc.network.connected[0]).toMatchObject({ containerId: Id, containerName: 'web', ifName: 'eth0', ports: [{ hostPort: 8080, containerPort: 80 }] });
    const hosts = await fs.readFile(path.join(dir, 'root', 'containers', Id, 'hosts'), 'utf8');
    expect(hosts).toContain(`172.30.0.2\t${Id.slice(0, 12)}`);
    expect(engine.list(false).map((c) => c.Id)).toEqual([Id]);

    await engine.start('web'); // a running container: no-op
    await engine.stop('web', 5);
    expect(svc.runtime.signals.at(-1)?.[1]).toBe(15);
    const after = engine.inspect('web');
    expect(after.State).toMatchObject({ Status: 'exited', Running: false, Pid: 0, ExitCode: 143 });
    expect(svc.network.released).toContain(Id);
    expect(engine.list(false)).toEqual([]);
    await engine.stop('web'); // stopping a stopped container succeeds, like docker
    await engine.remove('web');
    expect(() => engine.inspect('web')).toThrow('No such container: web');
    expect(await containerDirs()).toEqual([]);
  });

  it('refuses a taken name with docker\'s message', async () => {
    const { Id } = await engine.create({ Image: 'busybox' }, 'dup');
    await expect(engine.create({ Image: 'busybox' }, 'dup')).rejects.toThrow(
      `Conflict. The container name "/dup" is already in use by container "${Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    expect(await containerDirs()).toEqual([Id]);
  });

  it('gives random names and refuses an unknown image or network with nothing left behind', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    expect(engine.inspect(Id).Name).toMatch(/^\/[a-z]+_[a-z]+\d?$/);
    await expect(engine.create({ Image: 'nope' })).rejects.toMatchObject({ code: 'ImageNotFound', status: 404 });
    await expect(engine.create({ Image: 'busybox', HostConfig: { NetworkMode: 'nonet' } })).rejects.toMatchObject({ code: 'NetworkNotFound' });
    expect(await containerDirs()).toEqual([Id]);
  });

  it('kill of a non-running container is a 409, rm of a running one too', async () => {
    const { Id } = await engine.create({ Image: 'busybox' }, 'kk');
    await expect(engine.kill('kk')).rejects.toMatchObject({ status: 409, message: `Container ${Id} is not running` });
    await engine.start('kk');
    await expect(engine.remove('kk')).rejects.toMatchObject({
      status: 409, message: 'cannot remove container "/kk": container is running: stop the container before removing or force remove',
    });
    const exited = engine.wait('kk', 'next-exit');
    await engine.kill('kk', 'SIGKILL');
    expect((await exited).StatusCode).toBe(137);
  });

  it('rm -f kills first and releases everything', async () => {
    const { Id } = await engine.create({ Image: 'busybox' }, 'ff');
    await engine.start('ff');
    await engine.remove('ff', { force: true });
    expect(svc.runtime.signals.at(-1)?.[1]).toBe(9);
    expect(svc.network.released).toContain(Id);
    expect(await containerDirs()).toEqual([]);
  });

  it('AutoRemove removes after exit and wait(removed) reports the code once the container is gone; deleting its moved files follows', async () => {
    const { Id } = await engine.create({ Image: 'busybox', HostConfig: { AutoRemove: true } });
    const waited = engine.wait(Id, 'removed');
    await engine.start(Id);
    svc.runtime.end(Id, 3);
    expect(await waited).toEqual({ StatusCode: 3 });
    expect(() => engine.inspect(Id)).toThrow(/no such container/i);
    expect(engine.list(true).map((c) => c.Id)).not.toContain(Id);
    // its dirs were moved out of containers/ before the answer, and are deleted after it (off run --rm's critical path)
    expect(await containerDirs()).toEqual([]);
    const retired = path.join(dir, 'root', 'containers.removed');
    await vi.waitFor(async () => expect(await fs.readdir(retired)).toEqual([]));
  });

  it('a failed start leaves no ports, endpoints or (with --rm) record behind', async () => {
    svc.runtime.failStart = new MinidockError('CommandNotFound', 'exec: "nope": executable file not found in $PATH', { status: 400, exitCode: 127 });
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['nope'], HostConfig: { AutoRemove: true, PortBindings: { '80/tcp': [{ HostPort: '8081' }] } } });
    await expect(engine.start(Id)).rejects.toMatchObject({ exitCode: 127 });
    expect(svc.network.released).toContain(Id);
    expect(await containerDirs()).toEqual([]);
    const kept = await engine.create({ Image: 'busybox', Cmd: ['nope'] });
    await expect(engine.start(kept.Id)).rejects.toMatchObject({ exitCode: 127 });
    expect(engine.inspect(kept.Id).State).toMatchObject({ Status: 'created', ExitCode: 127, Error: expect.stringContaining('nope') });
  });

  it('an unknown user fails the start cleanly', async () => {
    const { Id } = await engine.create({ Image: 'busybox', User: 'nobody-here' });
    await expect(engine.start(Id)).rejects.toThrow(/unable to find user nobody-here/);
    expect(svc.runtime.live.size).toBe(0);
  });

  it('attach before start receives all output', async () => {
    svc.runtime.output = () => [{ stream: 1, text: 'hello\n' }, { stream: 2, text: 'oops\n' }];
    svc.runtime.exitAfterOutput = 0;
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['echo', 'hello'] });
    const got: string[] = [];
    // Like the API route: handlers go on as soon as the stream is bound (before the command runs).
    const ended = engine.attach(Id).then((stream) => {
      stream.onData((s, d) => got.push(`${s}:${d}`));
      return new Promise<void>((r) => stream.onEnd(r));
    });
    const exited = engine.wait(Id, 'next-exit');
    await engine.start(Id);
    await ended;
    expect(got).toEqual(['1:hello\n', '2:oops\n']);
    expect((await exited).StatusCode).toBe(0);
  });

  it('restart bumps the count and runs again', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    await engine.start(Id);
    await engine.restart(Id, 1);
    expect(engine.inspect(Id)).toMatchObject({ RestartCount: 1, State: { Status: 'running' } });
    await engine.remove(Id, { force: true });
  });
});

describe('reconcile after an engine restart', () => {
  it('keeps live containers running and marks dead ones exited', async () => {
    const a = await engine.create({ Image: 'busybox' }, 'alive');
    const b = await engine.create({ Image: 'busybox' }, 'dead');
    await engine.start('alive');
    await engine.start('dead');
    // The "engine" goes away; the dead container's shim dies, leaving exit.json with code 7.
    const deadPid = engine.inspect('dead').State.Pid;
    svc.runtime.alive.delete(deadPid + 1);
    svc.runtime.exits.set(b.Id, { exitCode: 7, finishedAt: '2026-01-01T00:00:00Z' });
    const engine2 = new Engine(engine.paths, svc);
    await engine2.init();
    expect(engine2.inspect('alive').State.Status).toBe('running');
    expect(engine2.inspect('dead').State).toMatchObject({ Status: 'exited', ExitCode: 7, FinishedAt: '2026-01-01T00:00:00Z' });
    expect(svc.network.released).toContain(b.Id);
    // the live one is still stoppable through the new engine
    await engine2.stop('alive', 1);
    expect(engine2.inspect('alive').State.Status).toBe('exited');
    expect(a.Id).toBeTruthy();
  });
});

describe('an engine killed mid-start', () => {
  it('ends a shim that runs for a container recorded as created, and never starts a second one', async () => {
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['sleep', '100'] }, 'half');
    // the engine died after the shim started the container but before the record said running
    svc.runtime.orphans.set(Id, 4242);
    const engine2 = new Engine(engine.paths, svc, { log: () => {} });
    await engine2.init();
    expect(svc.runtime.killedShims).toEqual([4242]);
    expect(engine2.inspect('half').State.Status).toBe('created');
    // a shim found at start (planted after reconcile) is ended before the new one runs
    svc.runtime.orphans.set(Id, 4343);
    await engine2.start('half');
    expect(svc.runtime.killedShims).toEqual([4242, 4343]);
    expect(svc.runtime.live.size).toBe(1);
    await engine2.remove('half', { force: true });
  });
});

describe('teardown', () => {
  it('rm goes on past a failed network release, removes the record and reports the failure', async () => {
    const lines: string[] = [];
    const e = new Engine(engine.paths, svc, { log: (l) => lines.push(l) });
    await e.init();
    const { Id } = await e.create({ Image: 'busybox', Cmd: ['true'] }, 'torn');
    svc.network.releaseContainer = async () => { throw new MinidockError('ExternalCommand', 'nft delete element: exit 1: no such element'); };
    await expect(e.remove(Id)).rejects.toMatchObject({ code: 'Internal', message: expect.stringContaining('no such element') });
    expect(() => e.inspect(Id)).toThrow('No such container');
    expect(await containerDirs()).not.toContain(Id);
    expect(lines.some((l) => l.includes(`removal of container ${Id}`) && l.includes('no such element'))).toBe(true);
  });

  it('a name in use is refused with docker\'s conflict', async () => {
    await engine.create({ Image: 'busybox', Cmd: ['true'] }, 'taken');
    await expect(engine.create({ Image: 'busybox', Cmd: ['true'] }, 'taken')).rejects.toMatchObject({ code: 'NameInUse', status: 409, message: expect.stringContaining('The container name "/taken" is already in use') });
  });
});

describe('restart policies', () => {
  // polls (up to 20 s on a loaded machine) and says so when the condition never came
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  it('on-failure:2 restarts a failing container twice with the back-off, then leaves it exited', { timeout: 60_000 }, async () => {
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['false'], HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } }, 'flaky');
    await engine.start(Id);
    for (let n = 0; n < 3; n++) {
      await until(() => svc.runtime.live.has(Id) && engine.inspect(Id).RestartCount === n);
      svc.runtime.end(Id, 1);
      if (n < 2) await until(() => engine.inspect(Id).RestartCount === n + 1);
    }
    await until(() => engine.inspect(Id).State.Status === 'exited' && !engine.inspect(Id).State.Restarting);
    await new Promise((r) => setTimeout(r, 300)); // no third restart comes
    expect(engine.inspect(Id)).toMatchObject({ RestartCount: 2, State: { Status: 'exited', ExitCode: 1, Restarting: false } });
    await engine.remove(Id);
  });

  it('stop ends the loop and unless-stopped remembers it across an engine restart; always comes back', async () => {
    const a = await engine.create({ Image: 'busybox', Cmd: ['sleep', '9'], HostConfig: { RestartPolicy: { Name: 'always' } } }, 'always');
    const u = await engine.create({ Image: 'busybox', Cmd: ['sleep', '9'], HostConfig: { RestartPolicy: { Name: 'unless-stopped' } } }, 'unless');
    await engine.start(a.Id);
    await engine.start(u.Id);
    await engine.stop(a.Id, 1);
    await engine.stop(u.Id, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.inspect(a.Id).State.Status).toBe('exited');
    expect(engine.inspect(u.Id).State.Status).toBe('exited');
    const engine2 = new Engine(engine.paths, svc, { log: () => {} });
    await engine2.init();
    expect(engine2.inspect(a.Id).State.Status).toBe('running');
    expect(engine2.inspect(u.Id).State.Status).toBe('exited');
    await engine2.remove(a.Id, { force: true });
  });

  it('refuses a restart policy with --rm, and bad policies', async () => {
    await expect(engine.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } })).rejects.toThrow("can't create 'AutoRemove' container with restart policy");
    await expect(engine.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'sometimes' } } })).rejects.toThrow("invalid restart policy 'sometimes'");
  });
});

describe('create requests as clients send them', () => {
  it('accepts dockerode\'s copy of ?name= in the body and refuses a different one', async () => {
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['true'], name: 'dode' } as never, 'dode');
    expect(engine.inspect(Id).Name).toBe('/dode');
    await expect(engine.create({ Image: 'busybox', Cmd: ['true'], name: 'other' } as never, 'dode2')).rejects.toThrow("body's name (other) differs");
  });
});

describe('container prune', () => {
  it('removes stopped containers that pass the label filters and keeps running ones', async () => {
    const a = await engine.create({ Image: 'busybox', Cmd: ['true'], Labels: { job: 'x' } }, 'pa');
    const b = await engine.create({ Image: 'busybox', Cmd: ['true'], Labels: { job: 'y' } }, 'pb');
    const c = await engine.create({ Image: 'busybox', Cmd: ['sleep', '9'], Labels: { job: 'x' } }, 'pc');
    await engine.start(c.Id);
    await fs.writeFile(path.join(dir, 'root', 'containers', a.Id, 'upper', 'f'), '12345');
    const out = await engine.prune(JSON.stringify({ label: ['job=x'] }));
    expect(out).toEqual({ ContainersDeleted: [a.Id], SpaceReclaimed: 5 });
    expect(engine.list(true).map((x) => x.Id).sort()).toEqual([b.Id, c.Id].sort());
    await expect(engine.prune('{"colour":["x"]}')).rejects.toThrow("invalid filter 'colour'");
    await engine.remove(c.Id, { force: true });
  });
});
