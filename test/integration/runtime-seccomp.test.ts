// Root integration tests of seccomp: containers started through the shim with rules compiled
// from docker's default profile, from user profiles, and unconfined. Every test builds its
// own dirs under /tmp/B-rt-* and kills what it starts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../src/image/index.js';
import { compileSeccomp, hostSeccompArch, loadSeccompProfile, parseSeccompProfile, readLogs, Runtime, type ContainerSpec, type SeccompProfile } from '../../src/runtime/index.js';
import { run } from '../../src/util/exec.js';
import { ensureTestRegistry, REGISTRY } from '../helpers/registry.js';
import { isRoot, makeBase, makeBusyboxLayer, makeSpec } from './runtime-fixture.js';

/** docker's default capability set (moby oci/caps/defaults.go). */
const DOCKER_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

// Each probe prints `<name>=<errno name or ok>`; arguments are harmless (a refused call
// never runs, an allowed one fails on its arguments or changes only the container).
const PROBE_C = `
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static void show(const char *name, long r) { printf("%s=%s\\n", name, r < 0 ? strerrorname_np(errno) : "ok"); }
int main(void) {
  struct timespec ts = { 0 };
  show("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0, 0, 0));
  show("add_key", syscall(SYS_add_key, "user", "md", "x", 1, -3));
  show("unshare", unshare(CLONE_NEWUTS));
  show("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  show("personality_bsd", personality(PER_BSD));
  show("personality_query", personality(0xffffffff));
  show("clock_settime", clock_settime(CLOCK_REALTIME, &ts));
  show("kcmp", syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0));
  show("clone3", syscall(SYS_clone3, NULL, 0));
  show("getpid", getpid());
  return 0;
}`;

function results(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').filter((l) => l.includes('=')).map((l) => l.split('=') as [string, string]));
}

describe.skipIf(!isRoot)('seccomp (root)', () => {
  let base: string;
  let layer: string;
  let toolLayer: string;
  let rt: Runtime;
  let dockerDefault: SeccompProfile;
  const pids: number[] = [];
  const arch = hostSeccompArch();

  beforeAll(async () => {
    await run('sh', ['src/runtime/shim/build.sh'], { timeoutMs: 300_000 }); // minutes in a TCG VM
    base = await makeBase();
    layer = await makeBusyboxLayer(base);
    toolLayer = path.join(base, 'tools');
    await fs.mkdir(path.join(toolLayer, 'usr/bin'), { recursive: true });
    await fs.writeFile(path.join(base, 'probe.c'), PROBE_C);
    await run('gcc', ['-O2', '-static', '-o', path.join(toolLayer, 'usr/bin/probe'), path.join(base, 'probe.c')]);
    rt = new Runtime({ root: base, run: path.join(base, 'run') });
    dockerDefault = await loadSeccompProfile();
  }, 300_000);

  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  afterAll(async () => {
    if (base) await fs.rm(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }); // shims of killed containers may still be writing
  });

  const rules = (capabilities: string[], profile: SeccompProfile = dockerDefault) => compileSeccomp(profile, { arch, capabilities });

  async function runToEnd(over: Partial<ContainerSpec>) {
    const s = await makeSpec(base, layer, { layerDirs: [layer, toolLayer], ...over });
    const started = await rt.start(s, async () => {});
    pids.push(started.pid);
    const exit = await rt.waitExit(s.id);
    let out = '';
    let err = '';
    for await (const e of readLogs(s.logPath)) (e.stream === 1 ? (out += e.data) : (err += e.data));
    return { s, exit, out, err };
  }

  const status = (out: string) => out.split('\n').filter((l) => /^Seccomp(_filters)?:/.test(l)).map((l) => l.replace(/\s+/g, ' '));

  it('docker default profile: refuses what docker refuses, ordinary programs work, Seccomp 2 with one filter', async () => {
    const r = await runToEnd({ args: ['sh', '-c', 'probe; grep Seccomp /proc/self/status; echo hello | tr a-z A-Z; ls / >/dev/null && echo ls-ok'], seccomp: rules(DOCKER_CAPS) });
    expect(r.exit.exitCode).toBe(0);
    expect(results(r.out)).toMatchObject({
      keyctl: 'EPERM', add_key: 'EPERM', unshare: 'EPERM', mount: 'EPERM', personality_bsd: 'EPERM',
      personality_query: 'ok', clock_settime: 'EPERM', kcmp: 'EPERM', clone3: 'ENOSYS', getpid: 'ok',
    });
    expect(status(r.out)).toEqual(['Seccomp: 2', 'Seccomp_filters: 1']);
    expect(r.out).toContain('HELLO\nls-ok\n');
  });

  it('with CAP_SYS_ADMIN and CAP_SYS_PTRACE the profile lets through what docker then allows', async () => {
    const caps = [...DOCKER_CAPS, 'SYS_ADMIN', 'SYS_PTRACE'].map((c) => `CAP_${c}`);
    const r = await runToEnd({ args: ['probe'], capabilities: caps, seccomp: rules(caps) });
    const got = results(r.out);
    // the container's root holds these capabilities, so only the filter decides
    expect(got).toMatchObject({ unshare: 'ok', mount: 'ok', kcmp: 'ok', keyctl: 'EPERM', clock_settime: 'EPERM' });
    expect(got.clone3).not.toBe('ENOSYS');
  });

  it('unconfined (no rules) installs no filter', async () => {
    // CAP_SYS_ADMIN so that unshare and mount are decided by the (absent) filter, not by capabilities
    const r = await runToEnd({ args: ['sh', '-c', 'probe; grep Seccomp /proc/self/status'], capabilities: [...DOCKER_CAPS, 'SYS_ADMIN'].map((c) => `CAP_${c}`), seccomp: null });
    expect(status(r.out)).toEqual(['Seccomp: 0', 'Seccomp_filters: 0']);
    expect(results(r.out)).toMatchObject({ unshare: 'ok', personality_bsd: 'ok' });
  });

  it('a user profile denying mkdir makes busybox mkdir fail with EPERM', async () => {
    const profile = parseSeccompProfile(JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }), 'deny-mkdir.json');
    const r = await runToEnd({ args: ['sh', '-c', 'mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touch-ok'], seccomp: rules(DOCKER_CAPS, profile) });
    expect(r.out).toBe('rc=1\ntouch-ok\n');
    expect(r.err).toMatch(/mkdir: can't create directory '\/tmp\/x': Operation not permitted/);
  });

  it('the filter also holds for a non-root user, a tty and every exec', async () => {
    const seccomp = rules(DOCKER_CAPS);
    const user = await runToEnd({ args: ['sh', '-c', 'id -u; grep Seccomp: /proc/self/status; probe | grep unshare'], uid: 1000, gid: 1000, seccomp });
    expect(user.out).toMatch(/^1000\nSeccomp:\s+2\nunshare=EPERM\n$/);
    const tty = await runToEnd({ args: ['sh', '-c', 'grep Seccomp: /proc/self/status'], tty: true, seccomp });
    expect(tty.out).toMatch(/^Seccomp:\s+2\r\n$/);

    // personality needs no capability: the filter alone decides
    for (const [rulesText, want] of [[seccomp, 'Seccomp: 2 personality_bsd=EPERM'], [null, 'Seccomp: 0 personality_bsd=ok']] as const) {
      const s = await makeSpec(base, layer, { layerDirs: [layer, toolLayer], args: ['sleep', '100'], seccomp: rulesText });
      const { pid } = await rt.start(s, async () => {});
      pids.push(pid);
      const p = await rt.exec(s.id, pid, {
        args: ['sh', '-c', 'grep Seccomp: /proc/self/status; probe | grep personality_bsd'], env: s.env, cwd: '/', uid: 1000, gid: 1000, additionalGids: [], tty: false,
        capabilities: s.capabilities, noNewPrivileges: false, seccomp: rulesText,
      });
      let out = '';
      for await (const c of p.stdout) out += c;
      expect(await p.wait()).toBe(0);
      expect(out.replace(/\s+/g, ' ').trim()).toBe(want);
      rt.kill(pid, 'SIGKILL');
      await rt.waitExit(s.id);
    }
  });

  it('malformed rules are refused before the command runs', async () => {
    const s = await makeSpec(base, layer, { args: ['sh', '-c', 'touch /ran'], seccomp: 'minidock-seccomp 1\ndefault errno:1\nrule mkdir teleport\n' });
    await expect(rt.start(s, async () => {})).rejects.toThrow(/seccomp .*: Invalid argument/);
    await expect(fs.access(path.join(s.upperDir, 'ran'))).rejects.toThrow();
  });

  it('podman\'s profile (containers-common) also loads', async () => {
    const r = await runToEnd({ args: ['sh', '-c', 'probe; grep Seccomp: /proc/self/status'], seccomp: rules(DOCKER_CAPS, await loadSeccompProfile('/usr/share/containers/seccomp.json')) });
    expect(r.out).toMatch(/Seccomp:\s+2/);
    // podman leaves unknown syscalls at ENOSYS and refuses clock_settime without CAP_SYS_TIME
    expect(results(r.out)).toMatchObject({ add_key: 'ENOSYS', clock_settime: 'EPERM', getpid: 'ok' });
  });

  it('nginx serves its page under the default profile', async () => {
    const release = await ensureTestRegistry();
    const root = path.join(base, 'images');
    try {
      const svc = new ImageService({ root, run: path.join(root, 'run') });
      await svc.init();
      const image = await svc.pull(`${REGISTRY}/nginx:latest`);
      const r = await runToEnd({
        layerDirs: svc.layerDirs(image),
        args: ['sh', '-c', 'ip link set lo up && nginx && sleep 0.5 && wget -qO- http://127.0.0.1/ | grep -c "<h1>Welcome to nginx!</h1>"; grep Seccomp: /proc/$(cat /run/nginx.pid)/status; nginx -s stop'],
        // `ip link set lo up` needs CAP_NET_ADMIN (the engine's network code does it for real containers)
        capabilities: [...DOCKER_CAPS, 'NET_ADMIN'].map((c) => `CAP_${c}`),
        seccomp: rules(DOCKER_CAPS),
      });
      // nginx's access log is /dev/stdout: the request shows there too
      expect(r.out).toMatch(/"GET \/ HTTP\/1.1" 200 .*\n1\nSeccomp:\s+2\n$/);
      expect(r.exit.exitCode).toBe(0);
    } finally {
      await release();
    }
  }, 120_000);
});
