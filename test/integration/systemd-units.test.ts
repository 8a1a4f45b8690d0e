// The systemd units the project ships (contrib/systemd, installed by scripts/install-systemd.sh):
// they pass `systemd-analyze verify` as installed for this checkout, and the engine started the
// way minidock.socket starts it (systemd-socket-activate hands it the listening socket as fd 3)
// serves the API on that socket and leaves it in place when it stops. PID 1 is not systemd on every test machine, so the activation is done by
// systemd's own activation tool rather than by systemctl. Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BIN, REPO, TestEngine, buildDist, isRoot } from '../helpers/cli.js';
import { run } from '../../src/util/exec.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('systemd units and socket activation (root)', () => {
  let eng: TestEngine;
  let activator: ChildProcess | undefined;

  beforeAll(async () => {
    await buildDist();
    eng = await TestEngine.create();
  }, 120_000);

  afterAll(async () => {
    if (activator && activator.exitCode === null) {
      const gone = new Promise((r) => activator!.once('exit', r));
      activator.kill('SIGTERM');
      await gone;
    }
    if (eng) expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  it('installs units that systemd-analyze verifies, with this checkout\'s node and bin/minidock', async () => {
    const dir = path.join(eng.dir, 'units');
    await run('bash', [path.join(REPO, 'scripts/install-systemd.sh'), '--unit-dir', dir, '--no-enable']);
    const service = await fs.readFile(path.join(dir, 'minidock.service'), 'utf8');
    expect(service).toContain(`ExecStart=${process.execPath} --optimize-for-size ${BIN} daemon`);
    expect(service).toMatch(/^KillMode=process$/m);
    expect(service).not.toContain('@');
    expect((await fs.readFile(path.join(dir, 'minidock.socket'), 'utf8'))).toMatch(/^ListenStream=\/run\/minidock\.sock$/m);
    const v = await run('systemd-analyze', ['verify', path.join(dir, 'minidock.service'), path.join(dir, 'minidock.socket')], { okExitCodes: [0, 1] });
    expect(v.stderr + v.stdout).toBe('');
    expect(v.exitCode).toBe(0);
  });

  it('a socket-activated engine serves on the handed-over socket and leaves it to systemd when it stops', async () => {
    const sock = eng.env.MINIDOCK_HOST!;
    const log = await fs.open(eng.env.MINIDOCK_LOG!, 'a');
    // systemd-socket-activate listens, then on the first connection execs the engine in its own
    // place (the same pid, as systemd's non-accept sockets do) with LISTEN_FDS=1 and the socket as fd 3
    // the activator gives the engine only the variables named with -E (as a unit's Environment=)
    const setenv = Object.entries({ PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...eng.env }).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
    activator = spawn('systemd-socket-activate', ['-l', sock, ...setenv, process.execPath, BIN, 'daemon'], {
      env: { ...process.env, ...eng.env }, stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    const pid = activator.pid!;
    const exe = () => fs.readlink(`/proc/${pid}/exe`);
    for (let i = 0; i < 100 && !(await fs.stat(sock).catch(() => undefined))?.isSocket(); i++) await sleep(50);
    expect(await exe()).toMatch(/systemd-socket-activate$/); // nothing runs until someone connects

    const v = await eng.cli(['version']);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(await exe()).toBe(await fs.realpath(process.execPath));
    // this test's engine (its own state and socket), not the host's default one
    expect(await fs.readFile(eng.env.MINIDOCK_LOG!, 'utf8')).toContain(`listening on unix://${sock} (socket-activated)`);
    const ps = await eng.cli(['ps']);
    expect(ps.exitCode, ps.stderr).toBe(0);

    const gone = new Promise((r) => activator!.once('exit', r));
    process.kill(pid, 'SIGTERM');
    await gone;
    expect((await fs.stat(sock)).isSocket()).toBe(true); // the socket is systemd's: it stays
  }, 120_000);
});
