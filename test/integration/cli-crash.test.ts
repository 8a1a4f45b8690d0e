// The engine's crashes and the host's reboots, with real containers (issues 9 and 11):
// - `kill -9` of the engine while containers are being started in parallel: after the engine
//   comes back, every container has one shim if it is running and none otherwise, and `rm -f`
//   leaves no process behind (the bug: a `created` record whose shim still ran).
// - a simulated reboot: the engine and every shim and container process killed, their mounts,
//   run dir, bridge, nft table and cgroups gone as after a power cycle; the engine started again
//   brings back the `always` container with its published port and its DNS name on a user
//   network, leaves the manually stopped `unless-stopped` one down and the `no` one exited.
// Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TestEngine, engineWithImages, isRoot, removeCgroups } from '../helpers/cli.js';
import { freeRange, get } from '../helpers/http.js';
import { run } from '../../src/util/exec.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids of this engine's shims, found by command line (a shim's argv names its spec in our run dir). */
async function shimPids(eng: TestEngine): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const runDir = eng.env.MINIDOCK_RUN!;
  for (const p of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const argv = (await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv[0]?.endsWith('minidock-shim')) continue;
    const spec = argv.find((a) => a.startsWith(`${runDir}/`));
    if (spec) out.set(Number(p), path.basename(path.dirname(spec)));
  }
  return out;
}

/** Every pid in the cgroups below this engine's cgroup parent (the containers' processes). */
async function containerPids(eng: TestEngine): Promise<number[]> {
  const pids = new Set<number>();
  const parent = eng.env.MINIDOCK_CGROUP_PARENT!;
  // v1: /sys/fs/cgroup/<controller>/<parent>; v2: /sys/fs/cgroup/<parent> ('' below)
  for (const ctrl of ['', ...await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[])]) {
    const dir = path.join('/sys/fs/cgroup', ctrl, parent);
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      const procs = await fs.readFile(path.join(dir, e.name, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const l of procs.split('\n')) if (l.trim()) pids.add(Number(l));
    }
  }
  return [...pids];
}

async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  }
  for (let i = 0; i < 200 && pids.some((p) => { try { process.kill(p, 0); return true; } catch { return false; } }); i++) await sleep(20);
}

/**
 * What a power cycle does to this engine's world: every process gone, /run (tmpfs) empty,
 * mounts, links, nft tables and cgroups gone. State under MINIDOCK_ROOT stays, as on disk.
 */
async function simulateReboot(eng: TestEngine): Promise<void> {
  await eng.stop('SIGKILL');
  await killAll([...(await shimPids(eng)).keys()]);
  await killAll(await containerPids(eng));
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')
    .map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${eng.dir}/`));
  for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => undefined); // a parent's lazy unmount may take it first
  await fs.rm(eng.env.MINIDOCK_RUN!, { recursive: true, force: true });
  const links = (await run('ip', ['-o', 'link', 'show', 'master', eng.bridge]).catch(() => ({ stdout: '' }))).stdout;
  for (const l of links.split('\n')) {
    const name = l.split(':')[1]?.trim().split('@')[0];
    if (name) await run('ip', ['link', 'del', name]).catch(() => undefined); // gone with its netns already
  }
  await run('ip', ['link', 'del', eng.bridge]).catch(() => undefined); // absent if nothing made it yet
  await run('nft', ['-f', '-'], { input: `add table ip ${eng.table}\ndelete table ip ${eng.table}\n` });
  // the cgroup tree is rebuilt at boot: what the containers had is gone (the "left" list is expected here)
  await removeCgroups(eng.env.MINIDOCK_CGROUP_PARENT!);
}

describe.skipIf(!isRoot)('engine crash and host reboot (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 180_000);

  it('kill -9 of the engine during parallel starts leaves every container with one shim if running, none otherwise', async () => {
    for (const delay of [120, 350, 700]) {
      const runs = Array.from({ length: 6 }, () => eng.cli(['run', '-d', '-p', '127.0.0.1::80', IMAGE, 'sleep', '1000']).catch((e) => ({ exitCode: -1, stdout: '', stderr: String(e) })));
      await sleep(delay);
      await eng.stop('SIGKILL');
      await Promise.all(runs);
      await eng.stopAutostarted();
      await eng.start();
      const ps = await eng.cli(['ps', '-aq', '--no-trunc']);
      expect(ps.exitCode, ps.stderr).toBe(0);
      const all = ps.stdout.trim().split('\n').filter(Boolean);
      const inspect = all.length ? await eng.cli(['inspect', '-f', '{{.Id}} {{.State.Status}}', ...all]) : { exitCode: 0, stdout: '', stderr: '' };
      expect(inspect.exitCode, inspect.stderr).toBe(0);
      const states = new Map(inspect.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
      const shims = await shimPids(eng);
      const perId = new Map<string, number>();
      for (const id of shims.values()) perId.set(id, (perId.get(id) ?? 0) + 1);
      for (const [id, n] of perId) {
        expect(states.get(id), `shim for ${id} (${states.get(id) ?? 'no record'})`).toBe('running');
        expect(n, `shims for ${id}`).toBe(1);
      }
      for (const [id, state] of states) if (state === 'running') expect(perId.get(id), `running ${id} has a shim`).toBe(1);
      const ids = [...states.keys()];
      if (ids.length) {
        const rm = await eng.cli(['rm', '-f', ...ids]);
        expect(rm.exitCode, rm.stderr).toBe(0);
      }
      expect([...(await shimPids(eng)).keys()]).toEqual([]);
      expect(await containerPids(eng)).toEqual([]);
    }
  }, 300_000);

  it('SIGTERM ends the engine while containers run; they keep running and the next engine finds them', async () => {
    expect((await eng.cli(['run', '-d', '--name', 'survivor', IMAGE, 'sleep', '1000'])).exitCode).toBe(0);
    const shim = [...(await shimPids(eng)).keys()];
    await eng.stop('SIGTERM'); // waits for the engine to exit
    expect(shim.every((p) => { try { process.kill(p, 0); return true; } catch { return false; } })).toBe(true);
    await eng.start();
    expect((await eng.cli(['inspect', '-f', '{{.State.Status}}', 'survivor'])).stdout.trim()).toBe('running');
    expect((await eng.cli(['rm', '-f', 'survivor'])).exitCode).toBe(0);
  }, 120_000);

  it('an option volume stays mounted for a container running across an engine crash and is unmounted for one that died meanwhile', async () => {
    expect((await eng.cli(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=4m', 'crashvol'])).exitCode).toBe(0);
    const data = (await eng.cli(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'crashvol'])).stdout.trim();
    const mounted = async () => (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === data);
    for (const n of ['va', 'vb']) expect((await eng.cli(['run', '-d', '--name', n, '-v', 'crashvol:/v', IMAGE, 'sleep', '1000'])).exitCode).toBe(0);
    expect(await mounted()).toBe(true);

    await eng.stop('SIGKILL');
    await eng.start();
    expect((await eng.cli(['stop', '-t', '0', 'vb'])).exitCode).toBe(0);
    expect(await mounted()).toBe(true); // va still uses it

    await eng.stop('SIGKILL');
    const shims = await shimPids(eng);
    const vaId = (await fs.readdir(path.join(eng.env.MINIDOCK_RUN!, 'containers'))).find((id) => [...shims.values()].includes(id));
    expect(vaId).toBeDefined();
    await killAll([...shims.keys()]);
    await killAll(await containerPids(eng)); // va dies while no engine watches
    await eng.start();
    expect(await mounted()).toBe(false);
    expect((await eng.cli(['rm', '-f', 'va', 'vb'])).exitCode).toBe(0);
    expect((await eng.cli(['volume', 'rm', 'crashvol'])).exitCode).toBe(0);
  }, 300_000);

  it('after a reboot the engine brings back `always` with its published port and DNS name; unless-stopped stopped and `no` stay down', async () => {
    const port = await freeRange(1, 28650);
    expect((await eng.cli(['network', 'create', 'rbnet'])).exitCode).toBe(0);
    const web = await eng.cli(['run', '-d', '--name', 'web', '--restart', 'always', '--network', 'rbnet', '-p', `127.0.0.1:${port}:80`, IMAGE,
      'sh', '-c', 'mkdir -p /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www']);
    expect(web.exitCode, web.stderr).toBe(0);
    expect((await eng.cli(['run', '-d', '--name', 'manual', '--restart', 'unless-stopped', IMAGE, 'sleep', '1000'])).exitCode).toBe(0);
    expect((await eng.cli(['stop', '-t', '0', 'manual'])).exitCode).toBe(0);
    expect((await eng.cli(['run', '-d', '--name', 'plain', IMAGE, 'sleep', '1000'])).exitCode).toBe(0);
    expect(await get(port)).toBe('hello-web\n');

    await simulateReboot(eng);
    expect(await shimPids(eng)).toEqual(new Map());
    await eng.start();

    const state = async (n: string) => (await eng.cli(['inspect', '-f', '{{.State.Status}}', n])).stdout.trim();
    expect(await state('web')).toBe('running');
    expect(await state('manual')).toBe('exited');
    expect(await state('plain')).toBe('exited');
    expect(await get(port)).toBe('hello-web\n');
    const viaDns = await eng.cli(['run', '--rm', '--network', 'rbnet', IMAGE, 'wget', '-qO-', 'http://web/']);
    expect(viaDns.stdout, viaDns.stderr).toBe('hello-web\n');
    expect((await eng.cli(['rm', '-f', 'web', 'manual', 'plain'])).exitCode).toBe(0);
    expect((await eng.cli(['network', 'rm', 'rbnet'])).exitCode).toBe(0);
  }, 300_000);
});
