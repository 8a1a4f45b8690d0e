// Services through the CLI: events in docker's format with since/until/filters, info, restart
// policies with a real container (a crashing one restarted with docker's back-off and counts,
// stop ending the loop), and the hardening flags as /proc/self/status shows them.
// Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('services through the CLI (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  it('events: create, start, die with its exit code, destroy, in docker\'s line format, filtered and bounded', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await eng.cli(['run', '--rm', '--name', 'ev1', IMAGE, 'sh', '-c', 'exit 3']);
    expect(r.exitCode).toBe(3);
    await eng.cli(['run', '--rm', '--name', 'ev2', IMAGE, 'true']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await eng.cli(['events', '--since', since, '--until', until, '--filter', 'container=ev1']);
    expect(ev.exitCode, ev.stderr).toBe(0);
    const lines = ev.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['container create', 'container attach', 'container start', 'container die', 'container destroy']);
    expect(lines[3]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z container die [0-9a-f]{64} \(exitCode=3, image=127\.0\.0\.1:5000\/busybox:latest, name=ev1\)$/);
    const json = await eng.cli(['events', '--since', since, '--until', until, '--filter', 'event=die', '--format', '{{json .}}']);
    const dies = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(dies.map((d) => d.Actor.Attributes.name)).toEqual(['ev1', 'ev2']);
    expect(dies[0]).toMatchObject({ Type: 'container', Action: 'die', status: 'die', scope: 'local' });
  });

  it('info counts containers and images', async () => {
    const i = await eng.cli(['info']);
    expect(i.exitCode, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/Containers: \d+\n  Running: \d+/);
    expect(i.stdout).toMatch(/Images: [1-9]/);
    expect((await eng.cli(['info', '--format', '{{.OSType}}'])).stdout.trim()).toBe('linux');
  });

  it('rename: a running container on a user network answers to its new name (DNS), docker\'s refusals, a rename event', async () => {
    expect((await eng.cli(['network', 'create', 'rnnet'])).exitCode).toBe(0);
    try {
      expect((await eng.cli(['run', '-d', '--name', 'before', '--network', 'rnnet', IMAGE, 'sleep', '600'])).exitCode).toBe(0);
      expect((await eng.cli(['run', '-d', '--name', 'asker', '--network', 'rnnet', IMAGE, 'sleep', '600'])).exitCode).toBe(0);
      const since = String(Math.floor(Date.now() / 1000) - 1);
      const r = await eng.cli(['rename', 'before', 'after']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await eng.cli(['inspect', '-f', '{{.Name}} {{.State.Status}}', 'after'])).stdout.trim()).toBe('/after running');
      expect((await eng.cli(['exec', 'asker', 'nslookup', 'after'])).exitCode).toBe(0);
      expect((await eng.cli(['exec', 'asker', 'nslookup', 'before'])).exitCode).not.toBe(0);
      const same = await eng.cli(['rename', 'after', 'after']);
      expect([same.exitCode, same.stderr]).toEqual([1, expect.stringContaining('same name as its current name')]);
      const taken = await eng.cli(['rename', 'after', 'asker']);
      expect([taken.exitCode, taken.stderr]).toEqual([1, expect.stringContaining('is already in use by container')]);
      expect((await eng.cli(['rename', 'after', 'bad/name'])).stderr).toContain('invalid container name');
      const ev = await eng.cli(['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'event=rename', '--format', '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}']);
      expect(ev.stdout.trim()).toBe('/before after');
    } finally {
      await eng.cli(['rm', '-f', 'after', 'before', 'asker']);
      await eng.cli(['network', 'rm', 'rnnet']);
    }
  });

  it('system df: images, containers (with their writable layer) and volumes in docker\'s table and API shape', async () => {
    expect((await eng.cli(['run', '--name', 'dfc', '-v', 'dfvol:/data', IMAGE, 'sh', '-c', 'head -c 300000 /dev/zero > /big; echo x > /data/f'])).exitCode).toBe(0);
    try {
      const t = await eng.cli(['system', 'df']);
      expect(t.exitCode, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+\s+\d+\s+[\d.]+[kMG]?B\s/);
      expect(t.stdout).toMatch(/^Containers\s+\d+\s+0\s+[\d.]+kB\s+[\d.]+kB \(100%\)$/m); // the 300 kB written, all reclaimable (exited)
      expect(t.stdout).toMatch(/^Local Volumes\s+1\s+1\s+2B\s+0B \(0%\)$/m);
      const f = await eng.cli(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}']);
      expect(f.stdout.split('\n')[3]).toBe('Build Cache|0');
    } finally {
      await eng.cli(['rm', '-f', '-v', 'dfc']);
      await eng.cli(['volume', 'rm', 'dfvol']);
    }
  });

  it('prunes: stopped containers, unused networks, unused images (not those a container uses), with docker\'s answers', async () => {
    expect((await eng.cli(['network', 'create', 'prunable'])).exitCode).toBe(0);
    expect((await eng.cli(['network', 'create', 'kept'])).exitCode).toBe(0);
    expect((await eng.cli(['run', '-d', '--name', 'keeper', '--network', 'kept', IMAGE, 'sleep', '600'])).exitCode).toBe(0);
    expect((await eng.cli(['run', '--name', 'stopped1', IMAGE, 'true'])).exitCode).toBe(0);
    try {
      const c = await eng.cli(['container', 'prune', '-f']);
      expect(c.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
      expect((await eng.cli(['inspect', 'stopped1'])).exitCode).toBe(1);
      const n = await eng.cli(['network', 'prune', '-f']);
      expect(n.stdout).toContain('prunable');
      expect(n.stdout).not.toContain('kept');
      // no dangling image: nothing; with -a the busybox image stays (keeper uses it)
      expect((await eng.cli(['image', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');
      expect((await eng.cli(['image', 'prune', '-a', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');
      expect((await eng.cli(['images', '-q'])).stdout.trim()).not.toBe('');
      const refused = await eng.cli(['image', 'prune', '-f', '--filter', 'bogus=1']);
      expect([refused.exitCode, refused.stderr]).toEqual([1, expect.stringContaining("invalid filter 'bogus'")]);
    } finally {
      await eng.cli(['rm', '-f', 'keeper', 'stopped1']);
      await eng.cli(['network', 'rm', 'kept', 'prunable']);
    }
  });

  it('tag names an image anew; the new name runs and untags alone', async () => {
    expect((await eng.cli(['tag', IMAGE, 'mytools:v1'])).exitCode).toBe(0);
    expect((await eng.cli(['images'])).stdout).toMatch(/^mytools\s+v1\s/m);
    const r = await eng.cli(['run', '--rm', 'mytools:v1', 'echo', 'tagged']);
    expect(r.stdout.trim()).toBe('tagged');
    expect((await eng.cli(['rmi', 'mytools:v1'])).stdout).toContain('Untagged: mytools:v1');
    expect((await eng.cli(['images'])).stdout).toContain('127.0.0.1:5000/busybox');
  });

  it('on-failure:2 restarts a crashing container twice with the back-off, then leaves it exited; always is ended by stop', async () => {
    const r = await eng.cli(['run', '-d', '--name', 'crash', '--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'exit 7']);
    expect(r.exitCode, r.stderr).toBe(0);
    let state: { RestartCount: number; State: { Status: string; ExitCode: number; Restarting: boolean } } | undefined;
    for (let i = 0; i < 100; i++) {
      state = JSON.parse((await eng.cli(['inspect', 'crash'])).stdout)[0];
      if (state!.RestartCount === 2 && state!.State.Status === 'exited' && !state!.State.Restarting) break;
      await sleep(100);
    }
    expect(state).toMatchObject({ RestartCount: 2, State: { Status: 'exited', ExitCode: 7, Restarting: false } });
    const a = await eng.cli(['run', '-d', '--name', 'loop', '--restart', 'always', IMAGE, 'sh', '-c', 'sleep 0.2; exit 1']);
    expect(a.exitCode, a.stderr).toBe(0);
    for (let i = 0; i < 100 && JSON.parse((await eng.cli(['inspect', 'loop'])).stdout)[0].RestartCount < 2; i++) await sleep(100);
    expect((await eng.cli(['stop', '-t', '1', 'loop'])).exitCode).toBe(0);
    const count = JSON.parse((await eng.cli(['inspect', 'loop'])).stdout)[0].RestartCount;
    await sleep(1500);
    const after = JSON.parse((await eng.cli(['inspect', 'loop'])).stdout)[0];
    expect(after).toMatchObject({ RestartCount: count, State: { Status: 'exited' } });
    expect((await eng.cli(['rm', 'crash', 'loop'])).exitCode).toBe(0);
  }, 60_000);

  it('capabilities, no_new_privs and seccomp as docker sets them, also for exec and in host mode', async () => {
    const status = async (args: string[]) => {
      const r = await eng.cli(['run', '--rm', ...args, IMAGE, 'sh', '-c', 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status']);
      expect(r.exitCode, r.stderr).toBe(0);
      return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
    };
    expect(await status([])).toEqual({ CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb', NoNewPrivs: '0', Seccomp: '2' });
    expect(await status(['--net', 'host'])).toMatchObject({ CapEff: '00000000a80425fb', Seccomp: '2' });
    expect(await status(['--userns', 'host'])).toMatchObject({ CapEff: '00000000a80425fb', Seccomp: '2' });
    expect(await status(['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'])).toMatchObject({ CapEff: '0000000000000000', NoNewPrivs: '1' });
    expect(await status(['--security-opt', 'seccomp=unconfined'])).toMatchObject({ Seccomp: '0' });
    const bad = await eng.cli(['run', '--rm', '--security-opt', 'apparmor=unconfined', IMAGE, 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('does not support --security-opt apparmor');
    // a host-mode container cannot touch host links (no CAP_NET_ADMIN)
    const link = await eng.cli(['run', '--rm', '--net', 'host', IMAGE, 'ip', 'link', 'add', 'mdtest0', 'type', 'dummy']);
    expect(link.exitCode).not.toBe(0);
  }, 60_000);
});
