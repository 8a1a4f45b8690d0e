// The spec codec end to end: the TS serialiser against the built shim's parser (spec.c).
// Real containers show that hostile values arrive intact; hand-written hostile spec files
// show that the shim refuses them before it creates anything.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSpec } from '../../src/errors.js';
import { defaultProcessSecurity, Runtime, serializeExecSpec, serializeRunSpec, shimPath } from '../../src/runtime/index.js';
import { run } from '../../src/util/exec.js';
import { isRoot, makeBase, makeBusyboxLayer, makeSpec, runToEnd } from './runtime-fixture.js';

/** Long strings shortened, so that a failure prints a readable diff (the full text is still compared). */
const short = (xs: string[]) => xs.map((x) => (x.length > 100 ? `${x.slice(0, 20)}...(${x.length} chars, sum ${[...x].reduce((a, c) => a + c.charCodeAt(0), 0)})` : x));

/** Runs the shim on a spec file; returns what it reported (stdout for run, fd 3 for exec) and its exit code. */
function shim(mode: 'run' | 'exec', specFile: string): Promise<{ reply: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(shimPath(), [mode, specFile], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let reply = '';
    const from = mode === 'run' ? child.stdout! : (child.stdio[3] as NodeJS.ReadableStream);
    from.on('data', (d) => (reply += d));
    child.stdin!.end();
    child.on('close', (code) => resolve({ reply, code }));
  });
}

describe.skipIf(!isRoot)('spec codec: TS serialiser against the shim (root)', () => {
  let base: string;
  let layer: string;
  let rt: Runtime;
  const pids: number[] = [];

  beforeAll(async () => {
    await run('sh', ['src/runtime/shim/build.sh'], { timeoutMs: 300_000 }); // minutes in a TCG VM
    base = await makeBase();
    layer = await makeBusyboxLayer(base);
    rt = new Runtime({ root: base, run: path.join(base, 'run') });
  }, 300_000);

  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  afterAll(async () => {
    // a killed container's shim may still be writing its log and exit.json: retry ENOTEMPTY
    if (base) await fs.rm(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });

  it('passes args and env with newlines, backslashes, escapes-lookalikes and long values intact', async () => {
    const long = 'L'.repeat(100_000);
    const args = ['a\nb', 'back\\slash', 'literal \\n not a newline', '\\', 'trailing\\', '', 'ünï cødé', ' lead space', long, 'x\n\n'];
    const env = ['PATH=/bin', 'MULTI=line1\nline2', 'BS=\\n\\\\', `LONG=${long}`, 'EMPTY='];
    // `; true`: the shell must stay PID 1 (it would exec a last simple command in its place)
    const script = 'cat /proc/1/cmdline; printf "\\1"; cat /proc/1/environ; true';
    const s = await makeSpec(base, layer, { args: ['/bin/sh', '-c', script, 'sh', ...args], env });
    const r = await runToEnd(rt, s, pids);
    expect(r.exit.exitCode).toBe(0);
    const [cmdline, environ] = r.out.split('\x01');
    expect(short(cmdline.split('\0').slice(0, -1))).toEqual(short(['/bin/sh', '-c', script, 'sh', ...args]));
    expect(short(environ.split('\0').slice(0, -1))).toEqual(short(env));
  });

  it('passes exec args and env intact', async () => {
    const s = await makeSpec(base, layer, { args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const args = ['a\nb', 'c\\nd', 'E'.repeat(50_000)];
    const p = await rt.exec(s.id, pid, {
      args: ['/bin/sh', '-c', 'printf "%s\\0" "$@"; printf "\\1%s" "$X"', 'sh', ...args], env: ['X=1\n2\\'], cwd: '/', uid: 0, gid: 0,
      additionalGids: [], tty: false, ...defaultProcessSecurity(),
    });
    let out = '';
    for await (const chunk of p.stdout) out += chunk;
    expect(await p.wait()).toBe(0);
    const [argv, x] = out.split('\x01');
    expect(short(argv.split('\0').slice(0, -1))).toEqual(short(args));
    expect(x).toBe('1\n2\\');
  });

  it('refuses a NUL byte with a typed error before anything is created', async () => {
    const s = await makeSpec(base, layer, { env: ['PATH=/bin', 'BAD=a\0b'] });
    const modeBefore = (await fs.stat(path.dirname(s.upperDir))).mode;
    const err = await rt.start(s, async () => { throw new Error('must not get this far'); }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidSpec);
    expect(err.message).toBe('invalid env "BAD=a\\u0000b": contains a NUL byte');
    expect(await fs.readdir(s.runDir)).toEqual([]);
    expect((await fs.stat(path.dirname(s.upperDir))).mode).toBe(modeBefore);
    expect((await fs.stat(s.upperDir)).uid).toBe(0); // not chowned to the container's root
  });

  /** Runs the shim on `edit(good spec)` for a fresh container (dirs of its own). */
  async function feed(mode: 'run' | 'exec', edit: (good: string) => string, good?: string) {
    const s = await makeSpec(base, layer, { args: ['true'] });
    for (const d of ['lower', 'rootfs']) await fs.mkdir(path.join(s.runDir, d));
    const file = path.join(s.runDir, 'spec');
    const original = good ?? serializeRunSpec(s);
    const text = edit(original);
    await fs.writeFile(file, text);
    const r = await shim(mode, file);
    // the first line that differs (appended lines: the last one)
    const line = text.split('\n').findIndex((l, i) => l !== original.split('\n')[i]) + 1;
    return { ...r, file, s, line };
  }

  const swap = (from: RegExp, to: string) => (t: string) => t.replace(from, to);
  const add = (extra: string) => (t: string) => `${t}${extra}\n`;

  it('refuses hostile run specs with the line at fault and creates nothing', async () => {
    const cases: [(t: string) => string, string][] = [
      // atoi turned this into uid 0 (root)
      [swap(/^uid 0$/m, 'uid 4294967296'), 'uid 4294967296: not an integer in 0..2147483647'],
      [swap(/^uid 0$/m, 'uid 2147483648'), 'uid 2147483648: not an integer'],
      [swap(/^uid 0$/m, 'uid -1'), 'uid -1: not an integer'],
      [swap(/^uid 0$/m, 'uid 12abc'), 'uid 12abc: not an integer'],
      [swap(/^uid 0$/m, 'uid  1'), 'uid  1: not an integer'],
      [swap(/^uid 0$/m, 'uid +1'), 'uid +1: not an integer'],
      [swap(/^uid 0$/m, 'uid '), 'uid : not an integer'],
      [swap(/^gid 0$/m, 'gid 99999999999999999999999'), 'gid 99999999999999999999999: not an integer'],
      [swap(/^tty 0$/m, 'tty 2'), 'tty 2: not an integer in 0..1'],
      [swap(/^stdio_uid 100000$/m, 'stdio_uid -2'), 'stdio_uid -2: not an integer'],
      [add('group 0x10'), 'group 0x10: not an integer'],
      [add('cap_bounding 64'), 'cap_bounding 64: not an integer in 0..63'],
      [add('cap_permitted 21'), 'cap_permitted is not a subset of cap_bounding'],
      [swap(/^uidmap .*$/m, 'uidmap 0 100000'), 'uidmap 0 100000: want `containerid hostid size`'],
      [swap(/^uidmap .*$/m, 'uidmap 0 100000 0'), 'want three u32 numbers, size >= 1'],
      [swap(/^uidmap .*$/m, 'uidmap 0 4294967296 1'), 'want three u32 numbers'],
      [swap(/^gidmap .*\n/m, ''), 'uidmap and gidmap go together'],
      [swap(/^net new$/m, 'net bridge'), 'net bridge: want new or host'],
      [swap(/^cwd \/$/m, 'cwd relative'), 'cwd relative: not an absolute path'],
      [add('mask proc/kcore'), 'mask proc/kcore: not an absolute path'],
      [add('frobnicate yes'), 'unknown key frobnicate'],
      [add('pid 5'), 'key pid is not for run mode'],
      [add('uid 0'), 'key uid given twice'],
      [add('arg'), 'no value'],
      [add('arg a\\tb'), 'bad escape \\t'],
      [add('arg trailing\\'), 'bad escape \\0'],
      [add('arg a\0b'), 'NUL byte in line'],
      [swap(/^arg true\n/m, ''), 'missing key arg'],
      [swap(/^sock .*\n/m, ''), 'missing key sock'],
      [add('join_net 0'), 'join_net 0: not an integer in 1..2147483647'],
      [add('join_net 1'), 'join_net/ipc/uts/pid with a user namespace need join_user'],
      [add('host_pid 2'), 'host_pid 2: not an integer in 0..1'],
      [add('join_user 1\njoin_pid 1\nhost_pid 1'), 'a namespace is either joined or the host\'s, not both'],
      [add('host_ipc 1\nshm_from 1'), 'shm_from and host_ipc exclude each other'],
      [add('no_shm 1\nshm_from 1'), 'no_shm excludes shm_from and host_ipc'],
      [add('init yes'), 'init yes: not an integer in 0..1'],
      [add('hold 2'), 'hold 2: not an integer in 0..1'],
      [add('hold 1'), 'hold takes no arg'],
      [(t) => `${t.replace(/^arg .*\n/gm, '')}hold 1\ninit 1\n`, 'hold excludes init and tty'],
    ];
    for (const [edit, why] of cases) {
      const r = await feed('run', edit);
      expect(r.reply, why).toMatch(/^error invalid spec /);
      expect(r.reply, why).toContain(why);
      const whole = why.startsWith('missing') || why.includes('go together') || why.includes('subset') || /join_user|either joined|exclude|hold (takes|excludes)/.test(why);
      if (!whole) expect(r.reply, why).toContain(`${r.file} line ${r.line}: `);
      expect(r.code).toBe(1);
      // nothing was started or created: no log, no socket, no exit.json
      for (const f of [r.s.logPath, path.join(r.s.runDir, 'attach.sock'), r.s.exitPath]) await expect(fs.access(f), f).rejects.toThrow();
    }
    // the untouched spec runs (the closed stdin then aborts it)
    const ok = await feed('run', (t) => t);
    expect(ok.reply).toMatch(/^pid \d+ \d+\n/);
  });

  it('hold: a holder without image or command keeps its namespaces until SIGTERM ends it with 0', async () => {
    const s = { ...(await makeSpec(base, layer, { args: [] })), layerDirs: [], hold: true };
    expect(serializeRunSpec(s)).toMatch(/^hold 1$/m);
    expect(() => serializeRunSpec({ ...s, args: ['true'] })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...s, init: true })).toThrow(InvalidSpec);
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    // no exec happened: PID 1 is the shim's holder, in namespaces of its own
    expect((await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim()).toBe('minidock-hold');
    expect(await fs.readlink(`/proc/${pid}/ns/net`)).not.toBe(await fs.readlink('/proc/self/ns/net'));
    const exit = rt.waitExit(s.id);
    process.kill(pid, 'SIGTERM');
    expect((await exit).exitCode).toBe(0);
  });

  it('refuses hostile exec specs', async () => {
    const s = await makeSpec(base, layer, { args: ['sleep', '100'] });
    const { pid } = await rt.start(s, async () => {});
    pids.push(pid);
    const good = serializeExecSpec(pid, { args: ['true'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: false, ...defaultProcessSecurity() });
    const cases: [(t: string) => string, string][] = [
      [swap(/^uid 0$/m, 'uid 4294967296'), 'uid 4294967296: not an integer'],
      [swap(/^pid \d+$/m, 'pid 0'), 'pid 0: not an integer in 1..2147483647'],
      [swap(/^pid \d+$/m, `pid ${pid}x`), 'not an integer'],
      [add('layer /'), 'key layer is not for exec mode'],
      [swap(/^pid \d+\n/m, ''), 'missing key pid'],
    ];
    for (const [edit, why] of cases) {
      const r = await feed('exec', edit, good);
      expect(r.reply, why).toMatch(/^error invalid spec /);
      expect(r.reply, why).toContain(why);
      expect(r.code).toBe(1);
    }
    const ok = await feed('exec', (t) => t, good);
    expect(ok.reply).toMatch(/^started \d+\n/);
    expect(ok.code).toBe(0);
  });
});
