// Root integration tests of the runtime: real namespaces, overlay over idmapped layers,
// the C shim. Every test builds its own dirs under /tmp/B-rt-* and kills what it starts.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandNotExecutable, CommandNotFound } from '../../src/errors.js';
import { defaultProcessSecurity, processRunning, readLogs, Runtime, serializeRunSpec, shimPath, type AttachStream, type ContainerSpec } from '../../src/runtime/index.js';
import { FrameDecoder as AttachDecoder } from '../../src/wire/stdcopy.js';
import { run } from '../../src/util/exec.js';
import { isRoot, makeBase, makeBusyboxLayer, makeSpec } from './runtime-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a stream to its end (output is complete only then, not when wait() resolves). */
async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream) s += chunk;
  return s;
}

describe.skipIf(!isRoot)('runtime (root)', () => {
  let base: string;
  let layer: string;
  let toolLayer: string;
  let rt: Runtime;
  let mountsBefore: string;
  const pids: number[] = [];

  beforeAll(async () => {
    await run('sh', ['src/runtime/shim/build.sh'], { timeoutMs: 300_000 }); // minutes in a TCG VM
    base = await makeBase();
    layer = await makeBusyboxLayer(base);
    // a second layer with a static chroot-escape helper (the classic mkdir+chroot+cd .. loop)
    toolLayer = path.join(base, 'tools');
    await fs.mkdir(path.join(toolLayer, 'usr/bin'), { recursive: true });
    await fs.writeFile(path.join(base, 'escape.c'), `
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  mkdir("/esc", 0755);
  if (chroot("/esc") != 0) { perror("chroot"); return 2; }
  for (int i = 0; i < 64; i++) chdir("..");
  if (chroot(".") != 0) { perror("chroot ."); return 2; }
  printf("work=%s\\n", access("/work", F_OK) == 0 ? "yes" : "no");
  printf("busybox=%s\\n", access("/bin/busybox", F_OK) == 0 ? "yes" : "no");
  return 0;
}`);
    await run('gcc', ['-O2', '-static', '-o', path.join(toolLayer, 'usr/bin/escape'), path.join(base, 'escape.c')]);
    rt = new Runtime({ root: base, run: path.join(base, 'run') });
    mountsBefore = await fs.readFile('/proc/self/mountinfo', 'utf8');
  }, 300_000);

  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await sleep(50);
  });

  afterAll(async () => {
    rt?.dispose();
    if (!base) return;
    // no mount of ours may be left on the host (they lived in the containers' mount ns)
    const after = await fs.readFile('/proc/self/mountinfo', 'utf8');
    await fs.rm(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }); // shims of killed containers may still be writing
    expect(after.split('\n').filter((l) => l.includes(base))).toEqual([]);
    expect(mountsBefore.split('\n').filter((l) => l.includes(base))).toEqual([]);
  });

  async function spec(over: Partial<ContainerSpec>): Promise<ContainerSpec> {
    return makeSpec(base, layer, over);
  }

  async function logOf(s: ContainerSpec): Promise<{ out: string; err: string }> {
    let out = '';
    let err = '';
    for await (const e of readLogs(s.logPath)) (e.stream === 1 ? (out += e.data) : (err += e.data));
    return { out, err };
  }

  async function runToEnd(over: Partial<ContainerSpec>) {
    const s = await spec(over);
    const started = await rt.start(s, async () => {});
    pids.push(started.pid);
    const exit = await rt.waitExit(s.id);
    return { s, exit, started, ...(await logOf(s)) };
  }

  const sh = (script: string) => ({ args: ['sh', '-c', script] });

  it('runs echo hi and logs stdout and stderr with timestamps', async () => {
    const t = Date.now();
    const r = await runToEnd(sh('echo hi; echo oops >&2'));
    expect(r.exit.exitCode).toBe(0);
    expect(r.out).toBe('hi\n');
    expect(r.err).toBe('oops\n');
    expect(Date.parse(r.exit.finishedAt)).toBeGreaterThanOrEqual(t - 1000);
    const saved = JSON.parse(await fs.readFile(r.s.exitPath, 'utf8'));
    expect(saved.exitCode).toBe(0);
    for await (const e of readLogs(r.s.logPath, { timestamps: true })) expect(Date.parse(e.time!)).toBeGreaterThanOrEqual(t - 1000);
  });

  it('reports exit codes 0, 3, 127, 126 and 128+9', async () => {
    expect((await runToEnd({ args: ['true'] })).exit.exitCode).toBe(0);
    expect((await runToEnd(sh('exit 3'))).exit.exitCode).toBe(3);

    const nf = await spec({ args: ['nosuchcmd'] });
    const e1 = await rt.start(nf, async () => {}).catch((e) => e);
    expect(e1).toBeInstanceOf(CommandNotFound);
    expect(e1.message).toBe('exec: "nosuchcmd": executable file not found in $PATH');
    expect(e1.exitCode).toBe(127);
    expect((await rt.waitExit(nf.id)).exitCode).toBe(127);

    for (const [cmd, msg] of [['/bin/notexec', 'permission denied'], ['/etc', 'is a directory']]) {
      const s = await spec({ args: [cmd] });
      const e = await rt.start(s, async () => {}).catch((x) => x);
      expect(e).toBeInstanceOf(CommandNotExecutable);
      expect(e.message).toBe(`exec: "${cmd}": ${msg}`);
      expect((await rt.waitExit(s.id)).exitCode).toBe(126);
    }

    const s = await spec({ args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    rt.kill(pid, 'SIGKILL');
    const ex = await rt.waitExit(s.id);
    expect(ex).toMatchObject({ exitCode: 137, signal: 9 });
  });

  it('is PID 1 and ps shows only container processes; hostname and etc files are set', async () => {
    const r = await runToEnd({ ...sh('echo $$; ps -o pid,comm > /tmp/ps; tail -n +2 /tmp/ps; hostname; cat /etc/hostname /etc/resolv.conf'), hostname: 'bx-host' });
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('1');
    // only the shell (PID 1) and ps itself: nothing of the host is visible
    expect(lines.slice(1, -3).map((l) => l.trim().split(/\s+/))).toEqual([['1', 'sh'], ['2', 'ps']]);
    expect(lines.at(-3)).toBe('bx-host');
    expect(lines.at(-2)).toBe(r.s.id);
    expect(lines.at(-1)).toBe('nameserver 127.0.0.1');
  });

  it('maps container root to 100000 and shows the image owners', async () => {
    const s = await spec(sh('cat /proc/self/uid_map; stat -c %u:%g /home/app/owned /bin/busybox; id -u; sleep 100'));
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+100000\s+100000\s+100000\s+100000$/m);
    // the four lines are in the log before the kill (a fixed 300 ms may end before the shell got there on a busy host)
    const lines = async () => (await logOf(s)).out.split('\n').length - 1;
    for (let i = 0; i < 500 && (await lines()) < 4; i++) await sleep(20);
    rt.kill(pid, 'SIGKILL');
    await rt.waitExit(s.id);
    const out = (await logOf(s)).out.trim().split('\n');
    expect(out[0].trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(out.slice(1)).toEqual(['1000:1000', '0:0', '0']);
  });

  it('keeps the host root out of mountinfo and a chroot escape stays inside', async () => {
    const hostRoot = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === '/')!;
    const hostDev = hostRoot.split(' ')[2];
    const r = await runToEnd({ args: ['sh', '-c', 'cat /proc/self/mountinfo; echo ---; escape'], layerDirs: [layer, toolLayer] });
    const [mounts, esc] = r.out.split('---\n');
    const rows = mounts.trim().split('\n').map((l) => l.split(' '));
    // a host-root mount would show as device hostDev with root "/" (file binds have their own root path)
    expect(rows.filter((f) => f[2] === hostDev && f[3] === '/')).toEqual([]);
    expect(rows.filter((f) => f[4] === '/work' || f[4].startsWith('/work/'))).toEqual([]);
    expect(rows.find((f) => f[4] === '/')?.[8]).toBe('overlay');
    expect(r.exit.exitCode).toBe(0);
    expect(esc).toBe('work=no\nbusybox=yes\n');
  });

  it('refuses writes to a host-owned bind target and isolates ipc', async () => {
    const hostIpc = await fs.readlink('/proc/self/ns/ipc');
    const r = await runToEnd(sh('readlink /proc/self/ns/ipc; echo evil > /etc/hostname; echo rc=$?'));
    const [ipc, rc] = r.out.trim().split('\n');
    expect(ipc).toMatch(/^ipc:\[\d+\]$/);
    expect(ipc).not.toBe(hostIpc);
    expect(rc).not.toBe('rc=0');
    expect(r.err).toMatch(/denied|read-only/i);
    expect(await fs.readFile(r.s.etcFiles.hostname, 'utf8')).toBe(`${r.s.id}\n`);
  });

  it('runs with --userns=host and network host (sysfs bound read-only)', async () => {
    const r = await runToEnd({ ...sh('cat /proc/self/uid_map; ls /sys/class/net | grep -c lo; touch /sys/x 2>/dev/null || echo ro'), userns: null, network: 'host' });
    const lines = r.out.trim().split('\n');
    expect(lines[0].trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
    expect(lines.slice(1)).toEqual(['1', 'ro']);
    const r2 = await runToEnd({ ...sh('ls /sys/class/net | grep -c lo; readlink /proc/self/ns/net'), network: 'host' });
    expect(r2.out.split('\n')[1]).toBe(await fs.readlink('/proc/self/ns/net'));
  });

  async function collect(a: AttachStream): Promise<string> {
    let text = '';
    for await (const f of a) text += f.data.toString();
    return text;
  }

  it('gives a tty at /dev/pts/0 with output through attach', async () => {
    const s = await spec({ ...sh('tty; stty size'), tty: true });
    let got!: Promise<string>;
    const { pid } = await rt.start(s, async () => {
      const a = await rt.attach(s.id);
      a.resize(33, 101);
      got = collect(a);
    });
    pids.push(pid);
    expect(await got).toBe('/dev/pts/0\r\n33 101\r\n');
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
    expect((await logOf(s)).out).toBe('/dev/pts/0\r\n33 101\r\n');
  });

  it('sets a tty size sent through attach before the start before the command runs', async () => {
    // stty is the first command: the shim must apply the size before releasing the
    // container, not on its first turn of the relay loop (which a busy host delays past
    // stty's ioctl: busybox then printed "stty: standard input: No child processes").
    for (let i = 0; i < 5; i++) {
      const s = await spec({ args: ['stty', 'size'], tty: true });
      let got!: Promise<string>;
      const { pid } = await rt.start(s, async () => {
        const a = await rt.attach(s.id);
        a.resize(40 + i, 120);
        got = collect(a);
      });
      pids.push(pid);
      expect(await got).toBe(`${40 + i} 120\r\n`);
      expect((await rt.waitExit(s.id)).exitCode).toBe(0);
    }
  });

  it('sizes the tty from the spec (docker\'s ConsoleSize) before the command runs; an attach resize wins', async () => {
    const s = await spec({ args: ['stty', 'size'], tty: true, consoleSize: { rows: 27, cols: 93 } });
    let got!: Promise<string>;
    const { pid } = await rt.start(s, async () => { got = collect(await rt.attach(s.id)); });
    pids.push(pid);
    expect(await got).toBe('27 93\r\n');
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
    const s2 = await spec({ args: ['stty', 'size'], tty: true, consoleSize: { rows: 27, cols: 93 } });
    const { pid: pid2 } = await rt.start(s2, async () => {
      const a = await rt.attach(s2.id);
      a.resize(51, 140);
      got = collect(a);
    });
    pids.push(pid2);
    expect(await got).toBe('51 140\r\n');
    expect((await rt.waitExit(s2.id)).exitCode).toBe(0);
  });

  it('keeps tty input sent through attach before the start for the command', async () => {
    const s = await spec({ ...sh('read x; echo got:$x'), tty: true, openStdin: true });
    let got!: Promise<string>;
    const { pid } = await rt.start(s, async () => {
      const a = await rt.attach(s.id);
      a.write('early\n');
      got = collect(a);
    });
    pids.push(pid);
    expect(await got).toBe('early\r\ngot:early\r\n');
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
  });

  it('feeds a tty from attach when openStdin is set', async () => {
    const s = await spec({ ...sh('read x; echo got:$x'), tty: true, openStdin: true });
    let a!: AttachStream;
    const { pid } = await rt.start(s, async () => { a = await rt.attach(s.id); });
    pids.push(pid);
    const got = collect(a);
    a.write('hi\n');
    expect(await got).toBe('hi\r\ngot:hi\r\n'); // the tty echoes the input
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
  });

  it('slows down for a paused attach client instead of dropping it', async () => {
    const s = await spec(sh('head -c 4194304 /dev/zero'));
    let sock!: net.Socket;
    const { pid } = await rt.start(s, async () => {
      sock = net.createConnection(path.join(s.runDir, 'attach.sock'));
      await new Promise((r) => sock.once('connect', r));
      sock.pause();
    });
    pids.push(pid);
    await sleep(1000);
    const dec = new AttachDecoder();
    let bytes = 0;
    sock.on('data', (d: Buffer) => { for (const f of dec.push(d)) bytes += f.payload.length; });
    sock.resume();
    await new Promise((r) => sock.once('close', r));
    expect(bytes).toBe(4194304);
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
  });

  it('takes the container down with its shim (parent-death signal survives the uid change)', async () => {
    const s = await spec({ args: ['sleep', '100'], uid: 1000, gid: 1000 });
    const { pid, shimPid } = await rt.start(s, async () => {});
    pids.push(pid, shimPid);
    process.kill(shimPid, 'SIGKILL');
    for (let i = 0; i < 50 && processRunning(pid); i++) await sleep(20);
    expect(processRunning(pid)).toBe(false); // gone or a zombie waiting for init
    const ex = await rt.waitExit(s.id);
    expect(ex.exitCode).toBe(255);
    expect(ex.error).toMatch(/ended without writing/);
  });

  it('pipes stdin with openStdin and /dev/null without', async () => {
    const s = await spec({ ...sh('read line; echo got:$line; cat'), openStdin: true });
    let a!: AttachStream;
    const { pid } = await rt.start(s, async () => { a = await rt.attach(s.id); });
    pids.push(pid);
    const got = collect(a);
    a.write('hello\n');
    a.write('more\n');
    a.closeStdin();
    expect(await got).toBe('got:hello\nmore\n');
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
    // 4 MiB through cat: input and output flow at once without the shim stalling on either
    const big = await spec({ args: ['cat'], openStdin: true });
    let b!: AttachStream;
    const started = await rt.start(big, async () => { b = await rt.attach(big.id); });
    pids.push(started.pid);
    let bytes = 0;
    b.on('frame', (f) => (bytes += f.data.length));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 64; i++) b.write(chunk);
    b.closeStdin();
    await b.ended;
    expect(bytes).toBe(64 * chunk.length);
    expect((await rt.waitExit(big.id)).exitCode).toBe(0);
    const r = await runToEnd(sh('cat; readlink /proc/self/fd/0'));
    expect(r.out).toBe('/dev/null\n');
  });

  it('exec joins the namespaces and reports 126/127', async () => {
    const s = await spec({ args: ['sleep', '100'], hostname: 'exec-host' });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const opts = { env: ['PATH=/bin'], cwd: '/', uid: 1000, gid: 1000, additionalGids: [1500], tty: false, ...defaultProcessSecurity() };
    const p = await rt.exec(s.id, pid, { ...opts, args: ['sh', '-c', 'hostname; id; ps -o pid,comm | grep -w sleep; readlink /proc/1/ns/pid /proc/self/ns/pid; exit 4'] });
    const [out] = await Promise.all([text(p.stdout), text(p.stderr)]);
    expect(await p.wait()).toBe(4);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('exec-host');
    expect(lines[1]).toBe('uid=1000(app) gid=1000(app) groups=1500(extra)');
    expect(lines[2].trim()).toMatch(/^1 sleep$/);
    expect(lines[3]).toBe(lines[4]);

    const t = await rt.exec(s.id, pid, { ...opts, args: ['sh', '-c', 'tty; sleep 0.3; stty size'], tty: true });
    t.resize(40, 120);
    const tout = await text(t.stdout);
    expect(await t.wait()).toBe(0);
    expect(tout).toMatch(/^\/dev\/pts\/\d+\r\n40 120\r\n$/);
    // ConsoleSize: sized before the command, stty as the first instruction
    const c = await rt.exec(s.id, pid, { ...opts, args: ['stty', 'size'], tty: true, consoleSize: { rows: 22, cols: 77 } });
    const cout = await text(c.stdout);
    expect(await c.wait()).toBe(0);
    expect(cout).toBe('22 77\r\n');

    await expect(rt.exec(s.id, pid, { ...opts, args: ['nope'] })).rejects.toThrow(CommandNotFound);
    await expect(rt.exec(s.id, pid, { ...opts, args: ['/bin/notexec'] })).rejects.toThrow(CommandNotExecutable);
    rt.kill(pid, 'SIGKILL');
    await rt.waitExit(s.id);
    await expect(rt.exec(s.id, pid, { ...opts, args: ['true'] })).rejects.toThrow(`container ${s.id} is not running`);
    expect(() => rt.kill(pid, 'SIGTERM')).toThrow(/no process/);
    await expect(rt.attach(s.id)).rejects.toThrow(`container ${s.id} is not running`);
  });

  it('starts from a warm shim: spawned after a start, handed the next spec, named by it in ps', async () => {
    await runToEnd(sh('true')); // a start wants the next warm shim: made when the engine says it is idle
    rt.idle();
    await new Promise((r) => setImmediate(r));
    const warm = rt.warmShimPid();
    expect(warm).toBeGreaterThan(0);
    expect((await fs.readFile(`/proc/${warm}/cmdline`, 'utf8')).split('\0').slice(1, 3)).toEqual(['run', '-']);
    const s = await spec({ ...sh('echo warm; exec sleep 30') });
    const started = await rt.start(s, async () => {});
    pids.push(started.pid);
    // taken: no warm shim until the next is made, and this one, having forked the container's
    // supervisor (started.shimPid) as every shim does, is gone (a cold start would have left it waiting)
    expect(rt.warmShimPid()).toBeUndefined();
    for (let i = 0; i < 100 && processRunning(warm!); i++) await sleep(20);
    expect(processRunning(warm!)).toBe(false);
    // the supervisor's command line names the spec: what tells a live shim from a recycled pid
    expect(rt.liveShim(s.id)).toBe(started.shimPid);
    rt.kill(started.pid, 'SIGKILL');
    expect((await rt.waitExit(s.id)).exitCode).toBe(137);
    expect((await logOf(s)).out).toBe('warm\n');
    // the next one, made without an idle() at the latest 250 ms after this start, ends with
    // dispose (its stdin closed), and no other follows
    for (let i = 0; i < 100 && rt.warmShimPid() === undefined; i++) await sleep(20);
    const next = rt.warmShimPid()!;
    expect(next).toBeGreaterThan(0);
    rt.dispose();
    for (let i = 0; i < 100 && processRunning(next); i++) await sleep(20);
    expect(processRunning(next)).toBe(false);
    await sleep(300);
    expect(rt.warmShimPid()).toBeUndefined();
  });

  it('runs an image without layers on an empty lower layer', async () => {
    // the busybox layer becomes the upper dir's content instead, so the command exists
    const s = await spec({ args: ['/bin/busybox', 'echo', 'upper-only'], layerDirs: [] });
    await run('cp', ['-a', `${layer}/.`, s.upperDir]);
    await run('chown', ['-R', '-h', '100000:100000', s.upperDir]); // the upper dir is not idmapped
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    expect((await rt.waitExit(s.id)).exitCode).toBe(0);
    expect((await logOf(s)).out).toBe('upper-only\n');
  });

  it('kills the container when beforeExec fails and rethrows its error', async () => {
    const s = await spec({ args: ['sh', '-c', 'echo should-not-run'] });
    let seen = 0;
    const boom = new Error('network setup failed for test');
    await expect(rt.start(s, async (pid) => {
      seen = pid;
      expect(await fs.readlink(`/proc/${pid}/ns/net`)).not.toBe(await fs.readlink('/proc/self/ns/net'));
      throw boom;
    })).rejects.toBe(boom);
    expect(seen).toBeGreaterThan(0);
    await sleep(100);
    expect(() => process.kill(seen, 0)).toThrow();
    expect((await logOf(s)).out).toBe('');
    await expect(fs.access(path.join(s.runDir, 'attach.sock'))).rejects.toThrow();
  });

  it('survives the death of the process that started it and still writes exit.json', async () => {
    const s = await spec(sh('sleep 1; echo done'));
    await fs.mkdir(path.join(s.runDir, 'lower'), { recursive: true });
    await fs.mkdir(path.join(s.runDir, 'rootfs'), { recursive: true });
    for (const d of [s.upperDir, s.workDir]) await fs.chown(d, 100000, 100000);
    const specFile = path.join(s.runDir, 'spec');
    await fs.writeFile(specFile, serializeRunSpec(s));
    // a throwaway "engine": speaks the shim protocol, then hangs until killed
    const engineJs = path.join(base, 'engine.mjs');
    await fs.writeFile(engineJs, `
import { spawn } from 'node:child_process';
const c = spawn(process.argv[2], ['run', process.argv[3]], { stdio: ['pipe', 'pipe', 'inherit'] });
let buf = '';
c.stdout.on('data', (d) => {
  buf += d;
  if (buf.startsWith('pid ') && buf.endsWith('\\n') && !buf.includes('started')) c.stdin.write('go\\n');
  if (buf.includes('started')) process.stdout.write(buf);
});
setInterval(() => {}, 1000);`);
    const engine = spawn(process.execPath, [engineJs, shimPath(), specFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reply = '';
    await new Promise<void>((resolve) => engine.stdout.on('data', (d) => { reply += d; if (reply.includes('started')) resolve(); }));
    const cpid = Number(/^pid (\d+)/.exec(reply)![1]);
    pids.push(cpid);
    engine.kill('SIGKILL');
    await new Promise((r) => engine.on('exit', r));
    expect(() => process.kill(cpid, 0)).not.toThrow();
    const ex = await rt.waitExit(s.id);
    expect(ex.exitCode).toBe(0);
    expect(JSON.parse(await fs.readFile(s.exitPath, 'utf8')).exitCode).toBe(0);
    expect((await logOf(s)).out).toBe('done\n');
  });

  it('keeps the shim small: measured per-container cost with two shims running', async () => {
    const started = [];
    for (let i = 0; i < 2; i++) {
      const s = await spec({ args: ['sleep', '100'] });
      const st = await rt.start(s, async () => {});
      pids.push(st.pid);
      started.push({ s, ...st });
    }
    for (const { shimPid } of started) {
      const roll = await fs.readFile(`/proc/${shimPid}/smaps_rollup`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(roll)![1]);
      console.log(`shim ${shimPid}: rss ${kb('Rss')} kB, pss ${kb('Pss')} kB, pss_anon ${kb('Pss_Anon')} kB`);
      // the static binary's pages are shared by all shims; what each container adds is its anon memory
      expect(kb('Pss_Anon')).toBeLessThan(256);
      expect(kb('Pss')).toBeLessThan(512);
    }
    for (const { s, pid } of started) {
      rt.kill(pid, 'SIGKILL');
      await rt.waitExit(s.id);
      await expect(fs.access(path.join(s.runDir, 'attach.sock'))).rejects.toThrow();
    }
  });
});
