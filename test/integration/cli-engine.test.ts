// The whole stack as a user meets it: bin/minidock → API → engine → image/runtime/network,
// against the local test registry (127.0.0.1:5000). Root only; one throwaway engine per file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

describe.skipIf(!isRoot)('cli + engine (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    const errors = await eng.destroy();
    expect(errors).toEqual([]);
  }, 120_000);

  it('run --rm echo hi prints hi, exits 0 and leaves nothing', async () => {
    const r = await eng.cli(['run', '--rm', IMAGE, 'echo', 'hi']);
    expect(r).toMatchObject({ stdout: 'hi\n', exitCode: 0 });
    expect(await eng.leftovers()).toEqual({ containers: [], mounts: [] });
  });

  it('exit codes: 0, 1, 125, 126, 127', async () => {
    expect((await eng.cli(['run', '--rm', IMAGE, 'true'])).exitCode).toBe(0);
    expect((await eng.cli(['run', '--rm', IMAGE, 'sh', '-c', 'exit 1'])).exitCode).toBe(1);
    const notFound = await eng.cli(['run', '--rm', IMAGE, 'nonexistent-cmd']);
    expect(notFound.exitCode).toBe(127);
    expect(notFound.stderr).toMatch(/^minidock: Error response from daemon: .*nonexistent-cmd.*executable file not found/m);
    const notExec = await eng.cli(['run', '--rm', IMAGE, '/etc']);
    expect(notExec.exitCode).toBe(126);
    const badFlag = await eng.cli(['run', '--bogus-flag', IMAGE, 'true']);
    expect(badFlag.exitCode).toBe(125);
    const badImage = await eng.cli(['run', '--rm', '127.0.0.1:5000/busybox:no-such-tag', 'true']);
    expect(badImage.exitCode).toBe(125);
    expect(badImage.stderr).toContain("Unable to find image '127.0.0.1:5000/busybox:no-such-tag' locally");
    expect(await eng.leftovers()).toEqual({ containers: [], mounts: [] });
  });

  it('--rm after a failed exec keeps its 127 even when several race (removal waits for the shim)', async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, () => eng.cli(['run', '--rm', IMAGE, 'nonexistent-cmd'])));
    expect(runs.map((r) => r.exitCode)).toEqual([127, 127, 127, 127, 127, 127]);
    expect(await eng.leftovers()).toEqual({ containers: [], mounts: [] });
  });

  it('pipes stdin with -i and streams stderr separately', async () => {
    const r = await eng.cli(['run', '-i', '--rm', IMAGE, 'sh', '-c', 'cat; echo to-err >&2; exit 3'], { input: 'from-stdin\n' });
    expect(r).toMatchObject({ stdout: 'from-stdin\n', stderr: 'to-err\n', exitCode: 3 });
  });

  it('-d, ps, logs, exec, inspect, stop, rm', async () => {
    const d = await eng.cli(['run', '-d', '--name', 'dweb', '-e', 'FOO=bar', IMAGE, 'sh', '-c', 'echo started; echo oops >&2; exec sleep 300']);
    expect(d.exitCode, d.stderr).toBe(0);
    const id = d.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ps = await eng.cli(['ps']);
    const lines = ps.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID {3}IMAGE {2,}COMMAND {2,}CREATED {2,}STATUS {2,}PORTS {2,}NAMES$/);
    const row = lines.find((l) => l.startsWith(id.slice(0, 12)))!;
    // docker quotes args holding a space, then cuts to 20 columns
    expect(row).toContain(`"sh -c 'echo started…"`);
    expect(row).toMatch(/Up (Less than a second|\d+ seconds?)/);
    expect(row).toMatch(/dweb$/);

    await new Promise((r) => setTimeout(r, 300));
    const logs = await eng.cli(['logs', 'dweb']);
    expect(logs).toMatchObject({ stdout: 'started\n', stderr: 'oops\n', exitCode: 0 });
    const tail = await eng.cli(['logs', '--tail', '1', '-t', 'dweb']);
    expect(tail.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z oops\n$/);

    const ex = await eng.cli(['exec', 'dweb', 'sh', '-c', 'echo $FOO; id -u; exit 4']);
    expect(ex).toMatchObject({ stdout: 'bar\n0\n', exitCode: 4 });
    const exUser = await eng.cli(['exec', '-u', 'nobody', 'dweb', 'id', '-un']);
    expect(exUser).toMatchObject({ stdout: 'nobody\n', exitCode: 0 });
    expect((await eng.cli(['exec', 'dweb', 'nonexistent-cmd'])).exitCode).toBe(127);

    const fmt = await eng.cli(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}} {{json .Args}}', 'dweb']);
    expect(fmt.stdout).toBe(`running true /dweb ${IMAGE} ["-c","echo started; echo oops >&2; exec sleep 300"]\n`);
    const pid = Number((await eng.cli(['inspect', '-f', '{{.State.Pid}}', id.slice(0, 10)])).stdout.trim());
    expect(await fs.readlink(`/proc/${pid}/ns/pid`)).not.toBe(await fs.readlink('/proc/self/ns/pid'));
    const ip = (await eng.cli(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'dweb'])).stdout.trim();
    expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    const full = JSON.parse((await eng.cli(['inspect', 'dweb'])).stdout);
    expect(full[0]).toMatchObject({
      Id: id, Name: '/dweb', Path: 'sh', State: { Status: 'running', Running: true, Paused: false, OOMKilled: false, Pid: pid, ExitCode: 0 },
      Config: { Image: IMAGE, Env: ['FOO=bar'] }, HostConfig: { NetworkMode: 'default' }, Mounts: [],
      NetworkSettings: { IPAddress: ip, Networks: { bridge: { IPAddress: ip, IPPrefixLen: 24, Gateway: expect.stringMatching(/^10\./) } } },
    });

    const conflict = await eng.cli(['run', '--name', 'dweb', IMAGE, 'true']);
    expect(conflict.exitCode).toBe(125);
    expect(conflict.stderr).toContain(`minidock: Error response from daemon: Conflict. The container name "/dweb" is already in use by container "${id}"`);
    const rmRunning = await eng.cli(['rm', 'dweb']);
    expect(rmRunning.exitCode).toBe(1);
    expect(rmRunning.stderr).toContain('cannot remove container "/dweb": container is running');
    const waiting = eng.cli(['wait', 'dweb']);
    await new Promise((r) => setTimeout(r, 300));
    // PID 1 of a pid namespace ignores signals it has no handler for, except SIGKILL.
    const kill = await eng.cli(['kill', 'dweb']);
    expect(kill).toMatchObject({ stdout: 'dweb\n', exitCode: 0 });
    expect((await waiting).stdout).toBe('137\n');
    const psa = await eng.cli(['ps', '-a']);
    expect(psa.stdout).toMatch(/Exited \(137\) (Less than a second|\d+ seconds?) ago/);
    const killStopped = await eng.cli(['kill', 'dweb']);
    expect(killStopped.exitCode).toBe(1);
    expect(killStopped.stderr).toBe(`Error response from daemon: Cannot kill container: dweb: Container ${id} is not running\n`);
    expect((await eng.cli(['start', 'dweb'])).exitCode).toBe(0);
    const stop = await eng.cli(['stop', '-t', '1', 'dweb']);
    expect(stop).toMatchObject({ stdout: 'dweb\n', exitCode: 0 });
    expect((await eng.cli(['rm', 'dweb'])).exitCode).toBe(0);
    expect((await eng.cli(['ps', '-aq'])).stdout).toBe('');
    expect(await eng.leftovers()).toEqual({ containers: [], mounts: [] });
  }, 120_000);

  it('-it: a tty with the terminal size, and ctrl-p ctrl-q detaches leaving it running', async () => {
    const r = await eng.cliTty(['run', '-it', '--rm', IMAGE, 'sh', '-c', 'sleep 0.5; tty; stty size; exit 5'], [], { cols: 91, rows: 33 });
    expect(r.stdout).toContain('/dev/pts/0');
    expect(r.stdout).toContain('33 91');
    expect(r.exitCode).toBe(5);

    const det = await eng.cliTty(['run', '-it', '--name', 'dtty', IMAGE, 'sh'], [
      { afterMs: 1500, write: 'echo typed-$((40+2))\r' },
      { afterMs: 2500, write: '\x10\x11' },
    ]);
    expect(det.exitCode).toBe(0);
    expect(det.stdout).toContain('typed-42');
    expect((await eng.cli(['inspect', '-f', '{{.State.Running}}', 'dtty'])).stdout).toBe('true\n');
    const att = await eng.cliTty(['attach', 'dtty'], [{ afterMs: 1000, write: 'exit 9\r' }]);
    expect(att.exitCode).toBe(9);
    expect((await eng.cli(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'dtty'])).stdout).toBe('exited 9\n');
    expect((await eng.cli(['rm', 'dtty'])).exitCode).toBe(0);
  }, 60_000);

  it('bad input leaves nothing behind', async () => {
    const before = await eng.leftovers();
    for (const args of [
      ['run', '--rm', '-p', '99999:80', IMAGE, 'true'],
      ['run', '--rm', '--network', 'no-such-net', IMAGE, 'true'],
      ['run', '--rm', '-u', 'no-such-user', IMAGE, 'true'],
      ['run', '--rm', '-w', 'relative/dir', IMAGE, 'true'],
      ['run', '--rm', IMAGE, 'nonexistent-cmd'],
      ['run', '--rm', '--name', 'x y', IMAGE, 'true'],
    ]) {
      const r = await eng.cli(args);
      expect(r.exitCode, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/\S/);
    }
    expect(await eng.leftovers()).toEqual(before);
  });

  it('survives an engine crash: running containers stay, dead ones are marked exited', async () => {
    const live = (await eng.cli(['run', '-d', '--name', 'dlive', IMAGE, 'sleep', '300'])).stdout.trim();
    const dying = (await eng.cli(['run', '-d', '--name', 'ddying', IMAGE, 'sleep', '300'])).stdout.trim();
    const dyingPid = Number((await eng.cli(['inspect', '-f', '{{.State.Pid}}', 'ddying'])).stdout.trim());
    expect(live).toMatch(/^[0-9a-f]{64}$/);
    expect(dyingPid).toBeGreaterThan(1); // never signal pid 0 (our own process group)
    await eng.stop('SIGKILL');
    process.kill(dyingPid, 'SIGKILL'); // the container dies while no engine is watching
    await new Promise((r) => setTimeout(r, 500));
    await eng.start();
    const ps = (await eng.cli(['ps', '-a'])).stdout;
    expect(ps).toMatch(/Up .*dlive/);
    expect(ps).toMatch(/Exited \(137\) .*ddying/);
    expect(dying).toMatch(/^[0-9a-f]{64}$/);
    const stop = await eng.cli(['stop', '-t', '1', 'dlive']);
    expect(stop.exitCode).toBe(0);
    expect((await eng.cli(['inspect', '-f', '{{.State.Status}}', 'dlive'])).stdout).toBe('exited\n');
    expect((await eng.cli(['rm', 'dlive', 'ddying'])).exitCode).toBe(0);
  }, 60_000);

  it('the CLI starts the engine when it is down, exactly once when CLIs race', async () => {
    const fresh = await TestEngine.create();
    try {
      const results = await Promise.all([fresh.cli(['ps', '-q']), fresh.cli(['ps', '-q']), fresh.cli(['images', '-q'])]);
      expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      expect(await fresh.enginePids()).toHaveLength(1);
      // Exactly one engine was ever spawned: a loser still loading would be alive above, one
      // that already died would have logged its lock conflict (every engine writes to this log).
      const pids = await fresh.enginePids();
      const log = await fs.readFile(fresh.env.MINIDOCK_LOG!, 'utf8');
      expect(log).not.toContain('another minidock engine is already running');
      expect([...log.matchAll(/listening on unix:\/\/\S+ \(pid (\d+)\)/g)].map((m) => Number(m[1]))).toEqual(pids);
      // Later commands find it up and start nothing more.
      expect((await fresh.cli(['ps', '-q'])).exitCode).toBe(0);
      expect(await fresh.enginePids()).toEqual(pids);
    } finally {
      expect(await fresh.destroy()).toEqual([]);
    }
    expect(await fresh.enginePids()).toEqual([]);
  }, 60_000);

  it('lists images and networks in docker columns', async () => {
    const images = await eng.cli(['images']);
    expect(images.stdout).toMatch(/^REPOSITORY {2,}TAG {2,}IMAGE ID {2,}CREATED {2,}SIZE\n/);
    expect(images.stdout).toMatch(/127\.0\.0\.1:5000\/busybox {2,}latest {2,}[0-9a-f]{12} {2,}.+ago {2,}[\d.]+[kM]B/);
    const nets = await eng.cli(['network', 'ls']);
    expect(nets.stdout).toMatch(/^NETWORK ID {2,}NAME {2,}DRIVER {2,}SCOPE\n/);
    expect(nets.stdout).toMatch(/[0-9a-f]{12} {2,}bridge {2,}bridge {2,}local/);
    const ver = await eng.cli(['--version']);
    expect(ver.stdout).toMatch(/^minidock version \d+\.\d+\.\d+\n$/);
    const logsDir = path.dirname(eng.env.MINIDOCK_LOG!);
    expect(logsDir).toBeTruthy();
  });
});
