// What a container's processes may do, checked from inside real containers against docker's
// values: capabilities, no_new_privs, device nodes, masked and read-only paths, inherited
// descriptors of an exec, and who on the host can reach the container's files.
import { spawn, spawnSync } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTAINER_DIR_MODE, DEFAULT_MASKED_PATHS, defaultProcessSecurity, readLogs, Runtime, serializeExecSpec, shimPath, type ContainerSpec, type ExecSpec,
} from '../../src/runtime/index.js';
import { run } from '../../src/util/exec.js';
import { isRoot, makeBase, makeBusyboxLayer, makeSpec, runToEnd } from './runtime-fixture.js';

const DOCKER_ROOT_CAPS = '00000000a80425fb';
const NONE = '0000000000000000';

/** The Cap* lines of /proc/self/status as a record. */
function caps(status: string): Record<string, string> {
  return Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((m) => [m[1], m[2]]));
}

const dockerRoot = { CapInh: NONE, CapPrm: DOCKER_ROOT_CAPS, CapEff: DOCKER_ROOT_CAPS, CapBnd: DOCKER_ROOT_CAPS, CapAmb: NONE };
const dockerUser = { CapInh: NONE, CapPrm: NONE, CapEff: NONE, CapBnd: DOCKER_ROOT_CAPS, CapAmb: NONE };

async function runLog(s: ContainerSpec): Promise<{ out: string }> {
  let out = '';
  for await (const e of readLogs(s.logPath)) out += e.data;
  return { out };
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream) s += chunk;
  return s;
}

describe.skipIf(!isRoot)('runtime hardening (root)', () => {
  let base: string;
  let layer: string;
  let devLayer: string;
  let rt: Runtime;
  const pids: number[] = [];

  beforeAll(async () => {
    await run('sh', ['src/runtime/shim/build.sh'], { timeoutMs: 300_000 }); // minutes in a TCG VM
    base = await makeBase();
    layer = await makeBusyboxLayer(base);
    // a hostile layer: device nodes an image could ship (null's and zero's numbers: harmless
    // if the test ever fails, but proof that any node, /dev/kvm or a disk, would open)
    devLayer = path.join(base, 'devlayer');
    await fs.mkdir(devLayer);
    await run('mknod', ['-m', '666', path.join(devLayer, 'evil-null'), 'c', '1', '3']);
    await run('mknod', ['-m', '666', path.join(devLayer, 'evil-zero'), 'c', '1', '5']);
    rt = new Runtime({ root: base, run: path.join(base, 'run') });
  }, 300_000);

  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  afterAll(async () => {
    if (base) await fs.rm(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }); // shims of killed containers may still be writing
  });

  const spec = (over: Partial<ContainerSpec>) => makeSpec(base, layer, over);
  const sh = (script: string) => ['sh', '-c', script];

  async function exec(s: ContainerSpec, pid: number, over: Partial<ExecSpec>) {
    const p = await rt.exec(s.id, pid, { args: ['true'], env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: false, ...defaultProcessSecurity(), ...over });
    const [out, err] = await Promise.all([text(p.stdout), text(p.stderr)]);
    return { code: await p.wait(), out, err };
  }

  it("gives PID 1 and execs docker's capabilities: root all of them, other users only the bounding set", async () => {
    for (const userns of [undefined, null] as const) {
      const over = userns === null ? { userns: null } : {};
      const root = await runToEnd(rt, await spec({ ...over, args: ['cat', '/proc/self/status'] }), pids);
      expect(caps(root.out), `root, userns ${userns}`).toEqual(dockerRoot);
      const user = await runToEnd(rt, await spec({ ...over, args: ['cat', '/proc/self/status'], uid: 1000, gid: 1000 }), pids);
      expect(caps(user.out), `uid 1000, userns ${userns}`).toEqual(dockerUser);

      const s = await spec({ ...over, args: ['sleep', '100'] });
      const { pid } = await rt.start(s, async () => {});
      pids.push(pid);
      expect(caps((await exec(s, pid, { args: ['cat', '/proc/self/status'] })).out), `exec root, userns ${userns}`).toEqual(dockerRoot);
      expect(caps((await exec(s, pid, { args: ['cat', '/proc/self/status'], uid: 1000, gid: 1000 })).out), `exec uid 1000, userns ${userns}`).toEqual(dockerUser);
      const t = await exec(s, pid, { args: ['grep', 'CapEff', '/proc/self/status'], tty: true });
      expect(t.out.trim(), 'exec with a tty').toBe(`CapEff:\t${DOCKER_ROOT_CAPS}`);
    }
  });

  it('takes the capability set from the spec and sets no_new_privs when asked', async () => {
    const r = await runToEnd(rt, await spec({ args: ['grep', '-E', '^(CapBnd|CapEff|NoNewPrivs)', '/proc/self/status'], capabilities: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'], noNewPrivileges: true }), pids);
    expect(r.out).toBe('CapEff:\t0000000000000420\nCapBnd:\t0000000000000420\nNoNewPrivs:\t1\n');
    const d = await runToEnd(rt, await spec({ args: ['grep', 'NoNewPrivs', '/proc/self/status'] }), pids);
    expect(d.out).toBe('NoNewPrivs:\t0\n');
    const s = await spec({ args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const e = await exec(s, pid, { args: ['grep', '-E', '^(CapEff|NoNewPrivs)', '/proc/self/status'], capabilities: [], noNewPrivileges: true });
    expect(e.out).toBe(`CapEff:\t${NONE}\nNoNewPrivs:\t1\n`);
  });

  it('cannot open a device node shipped in an image or made with CAP_MKNOD', async () => {
    const probe = 'for f in /evil-null /evil-zero; do head -c 1 $f >/dev/null 2>&1 && echo "$f opened" || echo "$f refused"; done; ' +
      'mknod /made c 1 3 2>/dev/null && { echo x > /made 2>/dev/null && echo "/made opened" || echo "/made refused"; }; ' +
      'mknod /dev/made c 1 3 2>/dev/null && { echo x > /dev/made 2>/dev/null && echo "/dev/made opened" || echo "/dev/made refused"; }; ' +
      'echo ok > /dev/null && head -c 1 /dev/zero | wc -c';
    for (const userns of [undefined, null] as const) {
      const r = await runToEnd(rt, await spec({ args: sh(probe), layerDirs: [layer, devLayer], ...(userns === null ? { userns: null } : {}) }), pids);
      const lines = r.out.trim().split('\n');
      expect(lines.filter((l) => l.endsWith('opened')), `userns ${userns}`).toEqual([]);
      expect(lines.slice(0, 2)).toEqual(['/evil-null refused', '/evil-zero refused']);
      expect(lines.at(-1)).toBe('1'); // the real /dev nodes still work
      // CAP_MKNOD is docker's default: without a user namespace the nodes get made, and stay unusable
      if (userns === null) expect(lines.slice(2, 4)).toEqual(['/made refused', '/dev/made refused']);
    }
  });

  it("masks and read-only-binds docker's paths, and the container cannot undo it, nested user namespace or not", async () => {
    // every attempt prints `ok` or `no`, in order
    const probe = `for c in "umount /proc/sys" "umount /proc/timer_list" "umount /proc/kcore" "umount /sys/firmware" ` +
      `"mount -o remount,rw /proc/sys" "mount -o remount,rw,bind /proc/sys" "mount -t proc proc /mnt" "echo 1 > /proc/sys/kernel/ns_last_pid"; ` +
      'do sh -c "$c" >/dev/null 2>&1 && echo ok || echo no; done';
    const ro = '/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger';
    // masked files that exist here read as empty (not every kernel has each of them)
    const files = DEFAULT_MASKED_PATHS.join(' ');
    const script = `mkdir -p /mnt; for f in ${files}; do [ -e $f ] && [ ! -d $f ] && head -c 100 $f | wc -c; done | sort -u | tr '\\n' ' '; echo; ` +
      'echo masked-entries=$(ls -A /proc/acpi /sys/firmware 2>/dev/null | grep -v : | grep -c .); ' +
      `n=0; for p in ${ro}; do [ -e $p ] && n=$((n+1)); done; echo ro-wanted=$n; ` +
      `echo ro-mounted=$(grep -cE ' (${ro.replace(/ /g, '|')}) ro,' /proc/self/mountinfo); ${probe}; ` +
      `echo nested; unshare -Urm sh -c '${probe.replace(/'/g, "'\\''")}' 2>/dev/null || echo 'unshare refused'`;
    for (const userns of [undefined, null] as const) {
      const r = await runToEnd(rt, await spec({ args: sh(script), ...(userns === null ? { userns: null } : {}) }), pids);
      const [outer, nested] = r.out.split('nested\n');
      const lines = outer.trim().split('\n');
      const ros = Number(lines[2].split('=')[1]);
      expect(ros).toBeGreaterThanOrEqual(4);
      expect(lines.slice(0, 4), `userns ${userns}`).toEqual(['0 ', 'masked-entries=0', `ro-wanted=${ros}`, `ro-mounted=${ros}`]);
      expect(lines.slice(4), `userns ${userns}`).toEqual(Array(8).fill('no'));
      // a nested user namespace may be refused; if not, the mounts it sees are locked
      if (nested.trim() !== 'unshare refused') expect(nested.trim().split('\n'), `nested, userns ${userns}`).toEqual(Array(8).fill('no'));
    }
  });

  it('hands seccomp rules to the shim and never runs the command when they cannot be loaded', async () => {
    // Rules that cannot be compiled: the runtime compiles rules to a filter program (the shim's
    // seccomp-compile) before it starts anything, so the command never runs unconfined.
    const bad = 'this is not a seccomp rules file\n';
    for (const noNewPrivileges of [false, true]) {
      const s = await spec({ args: sh('echo ran'), seccomp: bad, noNewPrivileges });
      const err = await rt.start(s, async () => {}).catch((e) => e);
      expect(err, `no_new_privs ${noNewPrivileges}`).toBeInstanceOf(Error);
      expect(err.message).toMatch(/seccomp/);
      await expect(fs.access(path.join(s.runDir, 'seccomp'))).rejects.toThrow();
      await expect(fs.access(path.join(s.runDir, 'shim.pid'))).rejects.toThrow();
      expect(await fs.readFile(s.logPath, 'utf8').catch(() => '')).toBe('');
    }
    const s = await spec({ args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    await expect(exec(s, pid, { args: sh('echo ran'), seccomp: bad })).rejects.toThrow(/seccomp/);
    // the exec's rules file is gone with its spec
    expect((await fs.readdir(s.runDir)).filter((f) => f.startsWith('exec-'))).toEqual([]);
  });

  it('closes every descriptor the exec shim inherited before the command runs', async () => {
    const s = await spec({ args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const specFile = path.join(s.runDir, 'exec-leak.spec');
    // `ls` of the shell's own fd dir (`; true` keeps the shell from exec'ing ls in its place)
    await fs.writeFile(specFile, serializeExecSpec(pid, { args: sh('ls /proc/$$/fd; true'), env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: false, ...defaultProcessSecurity() }));
    // a host directory fd without O_CLOEXEC, as a leaky parent would pass it: fd 4 of the shim
    const hostRoot = fsSync.openSync('/', 'r');
    try {
      const child = spawn(shimPath(), ['exec', specFile], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', hostRoot] });
      const [out] = await Promise.all([text(child.stdout!), text(child.stderr!), text(child.stdio[3] as NodeJS.ReadableStream)]);
      const code = await new Promise((r) => child.on('close', r));
      expect(code).toBe(0);
      expect(out.trim().split(/\s+/)).toEqual(['0', '1', '2']);
    } finally {
      fsSync.closeSync(hostRoot);
    }
    // PID 1 too
    const r = await runToEnd(rt, await spec({ args: sh('ls /proc/$$/fd; true') }), pids);
    expect(r.out.trim().split(/\s+/)).toEqual(['0', '1', '2']);
  });

  it("keeps other host users out of the container's files while its root still reaches its etc files", async () => {
    const s = await spec({ args: sh('echo secret > /secret; cat /etc/hostname') });
    const r = await runToEnd(rt, s, pids);
    expect(r.exit.exitCode).toBe(0);
    expect(r.out).toBe(`${s.id}\n`);
    const dir = path.dirname(s.upperDir);
    for (const d of [dir, s.runDir]) {
      const st = await fs.stat(d);
      expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }, d).toEqual({ mode: CONTAINER_DIR_MODE, uid: 0, gid: 100000 });
    }
    expect(await fs.readFile(path.join(s.upperDir, 'secret'), 'utf8')).toBe('secret\n');
    // nobody: neither the upper dir's files, nor the log, nor a listing
    const asNobody = (cmd: string, args: string[]) => spawnSync(cmd, args, { uid: 65534, gid: 65534, encoding: 'utf8' });
    for (const [cmd, args] of [['cat', [path.join(s.upperDir, 'secret')]], ['cat', [s.logPath]], ['cat', [s.etcFiles.hosts]], ['ls', [s.upperDir]], ['ls', [path.join(s.runDir, 'rootfs')]]] as const) {
      const res = asNobody(cmd, [...args]);
      expect(res.status, `${cmd} ${args.join(' ')}`).not.toBe(0);
      expect(res.stderr).toMatch(/Permission denied/);
    }
    // without a user namespace the container's root is root: root:root 0710
    const h = await spec({ args: ['true'], userns: null });
    await runToEnd(rt, h, pids);
    const st = await fs.stat(path.dirname(h.upperDir));
    expect({ mode: st.mode & 0o7777, gid: st.gid }).toEqual({ mode: CONTAINER_DIR_MODE, gid: 0 });
  });
});
