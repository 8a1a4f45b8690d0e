// Runtime: starts containers through the C shim and talks to running ones.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough } from 'node:stream';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { InvalidSpec, MinidockError } from '../errors.js';
import { containersRoot, type Paths } from '../state/paths.js';
import { readJson, writeFileAtomic } from '../state/atomic.js';
import { run } from '../util/exec.js';
import { AttachStream } from './attach.js';
import { execFailureError, parseExecFail } from './exec-error.js';
import { LineReader } from './line-reader.js';
import { shimPath } from './shim-path.js';
import { attachSocketPath, rootfsPath, seccompPath, serializeExecSpec, serializeRunSpec, toHostId, vethLine } from './spec.js';
import type { ContainerSpec, ExecProcess, ExecSpec, ExitStatus, IdMapping, ShimHandshake, StartedContainer } from './types.js';
import type { VethPlan } from '../wire/veth.js';

const SHIM_TIMEOUT_MS = 30_000;
/** A warm shim is spawned when the engine is idle (below), at the latest this long after a start. */
const WARM_LATEST_MS = 250;
/** The warm shim's room for its spec file's path in its command line (the shim's limit too). */
const WARM_ROOM = 4096;

function shimError(what: string, detail: string | undefined): MinidockError {
  return new MinidockError('Internal', `${what}: ${detail?.replace(/^error /, '') || 'shim exited without a reply'}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => (t = setTimeout(() => reject(new MinidockError('Internal', `${what}: timed out after ${ms} ms`)), ms))),
  ]);
}

/** A child and its stdio pipes (net.Socket underneath): what keeps node's event loop alive. */
const handles = (c: ChildProcessWithoutNullStreams) => [c, c.stdin, c.stdout, c.stderr] as unknown as { ref(): void; unref(): void }[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while `pid` exists and is not a zombie (a dead shim re-parented to a slow init
 * stays a zombie for a while, and kill(pid, 0) still succeeds on it). */
export function processRunning(pid: number): boolean {
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
const alive = processRunning;

/**
 * Modes of the dirs that hold a container's files (containers/<id>, its run dir): owned by
 * root with the group of the container's root on the host, 0710. The container's root
 * (that group) can traverse to its bind-mounted etc files and its rootfs mount point;
 * other host users cannot reach upper/, the log or anything else inside (docker with
 * userns-remap: /var/lib/docker/<uid>.<gid>, root:<remapped gid> 0710).
 */
export const CONTAINER_DIR_MODE = 0o710;

/** Host id the container's root maps to (owner of upper/work on disk). */
export function hostRootId(map: IdMapping[]): number {
  const id = toHostId(map, 0);
  if (id < 0) throw new MinidockError('InvalidArgument', `id map ${JSON.stringify(map)} does not map container root`, { status: 400 });
  return id;
}

/** The container's own dir (containers/<id>): the one that holds upper/, work/, its log,
 * exit.json and etc files. Refuses a spec that spreads them, since that dir gets locked down.
 * A container in another's network namespace binds its holder's etc files (docker shares
 * them), which live in the holder's own locked dir. */
function ownDir(spec: ContainerSpec): string {
  const dir = path.dirname(spec.upperDir);
  const etc = spec.join?.net !== undefined ? [] : [spec.etcFiles.hostname, spec.etcFiles.hosts, spec.etcFiles.resolvConf];
  const files = [spec.workDir, spec.logPath, spec.exitPath, ...etc];
  const stray = files.find((f) => path.dirname(f) !== dir);
  if (stray !== undefined) throw new InvalidSpec('container file', stray, `not in the container's directory ${dir}`);
  return dir;
}

/** Makes `dir` root:<gid> CONTAINER_DIR_MODE (see there). */
async function lockDir(dir: string, gid: number): Promise<void> {
  await fs.chown(dir, 0, gid);
  await fs.chmod(dir, CONTAINER_DIR_MODE);
}

export class Runtime {
  /** Paths of containers started by this process; others follow the on-disk layout. */
  private readonly known = new Map<string, { runDir: string; exitPath: string }>();

  /** `shim` defaults to shimPath(), looked up when first needed (so constructing never fails). */
  constructor(private readonly paths: Paths, private readonly shimOverride?: string) {}

  private get shim(): string { return this.shimOverride ?? shimPath(); }

  /**
   * A shim spawned ahead of need (`run - <room>`, main.c): node's spawn blocks the engine's
   * event loop ~10 ms here (fork of a large process), a fifth of a start's time in the engine;
   * a warm shim takes the next start's spec path on its stdin instead. One is wanted after each
   * start and made when the engine is idle (`idle()`: no API request in flight, so the spawn
   * delays neither the requests that follow a start — attach, wait, the exit's handling of a
   * short container — nor the next client's), at the latest WARM_LATEST_MS after the start
   * (a client holding a stream open keeps the engine from ever being idle). A start that finds
   * none spawns its own as before. It holds nothing and exits when its stdin closes, with the engine.
   */
  private warm?: ChildProcessWithoutNullStreams;
  private wantWarm = false;
  private warmTimer?: NodeJS.Timeout;

  /** The engine has no request in flight: a wanted warm shim is made now. */
  idle(): void {
    if (this.wantWarm) setImmediate(() => this.spawnWarm());
  }

  private spawnWarm(): void {
    if (!this.wantWarm || this.warm) return;
    this.wantWarm = false;
    clearTimeout(this.warmTimer);
    const child = spawn(this.shim, ['run', '-', ' '.repeat(WARM_ROOM)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => undefined); // a failed spawn: the next start spawns its own, and reports
    child.on('exit', () => { if (this.warm === child) this.warm = undefined; });
    child.stdin.on('error', () => undefined); // a warm shim that died: its start reads EOF and reports the shim's error
    for (const h of handles(child)) h.unref();
    this.warm = child;
  }

  /** The shim for a start: the warm one given `specFile`, else one spawned for it. */
  private takeShim(specFile: string): ChildProcessWithoutNullStreams {
    const warm = this.warm;
    this.warm = undefined;
    this.wantWarm = true;
    clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => this.spawnWarm(), WARM_LATEST_MS);
    this.warmTimer.unref();
    if (warm && warm.exitCode === null && warm.signalCode === null && warm.pid !== undefined) {
      for (const h of handles(warm)) h.ref();
      warm.stdin.write(`${specFile}\n`);
      return warm;
    }
    return spawn(this.shim, ['run', specFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** The warm shim's pid, if one is waiting (tests). */
  warmShimPid(): number | undefined { return this.warm?.exitCode === null && this.warm.signalCode === null ? this.warm.pid : undefined; }

  /** Ends the warm shim (its stdin closed) and stops making new ones; idempotent. */
  dispose(): void {
    this.wantWarm = false;
    clearTimeout(this.warmTimer);
    this.warm?.stdin.end();
    this.warm = undefined;
  }

  /** Compiled filters by rules text: libseccomp's work is done once per profile and capability
   * set (the shim's seccomp-compile), each start then loads the program as it is. */
  private readonly bpf = new Map<string, Promise<Buffer>>();

  private compiledSeccomp(rules: string): Promise<Buffer> {
    const key = createHash('sha256').update(rules).digest('hex');
    let p = this.bpf.get(key);
    if (!p) {
      p = (async () => {
        const dir = path.join(this.paths.run, 'seccomp');
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
        const src = path.join(dir, `${key}.rules`);
        const out = path.join(dir, `${key}.${randomBytes(4).toString('hex')}.bpf`);
        await writeFileAtomic(src, rules, 0o600, { sync: false });
        try {
          await run(this.shim, ['seccomp-compile', src, out], { timeoutMs: 30_000 });
          return await fs.readFile(out);
        } finally {
          await Promise.all([fs.rm(src, { force: true }), fs.rm(out, { force: true })]);
        }
      })();
      this.bpf.set(key, p);
      p.catch(() => this.bpf.delete(key)); // a failed compile is not cached; the caller gets its error
    }
    return p;
  }

  runDir(id: string): string { return this.known.get(id)?.runDir ?? path.join(this.paths.run, 'containers', id); }
  exitPath(id: string): string { return this.known.get(id)?.exitPath ?? path.join(containersRoot(this.paths), id, 'exit.json'); }

  /** `mark` names the steps as they end, for the engine's phase log (engine/phases.ts): files, spawn. */
  async start(spec: ContainerSpec, beforeExec: (pid: number, shim: ShimHandshake) => Promise<void>, mark?: (step: string) => void): Promise<StartedContainer> {
    if (spec.layerDirs.length === 0) {
      // overlay needs a lower layer: an image without layers gets an empty one
      spec = { ...spec, layerDirs: [path.join(spec.runDir, 'empty-layer')] };
    }
    // first, so that a spec the shim would refuse creates nothing
    const specText = serializeRunSpec(spec);
    const specFile = path.join(spec.runDir, 'spec');
    const userns = spec.userns;
    const rootUid = userns ? hostRootId(userns.uidMap) : 0;
    const rootGid = userns ? hostRootId(userns.gidMap) : 0;
    const containerDir = ownDir(spec);
    // Independent steps, run together. The run dir's files (spec, shim.pid, seccomp) mean
    // nothing after a host crash (the containers are gone too), so they are written without fsync.
    await Promise.all([
      (async () => {
        await fs.mkdir(path.join(spec.runDir, 'lower'), { recursive: true });
        await fs.mkdir(rootfsPath(spec.runDir), { recursive: true });
        if (spec.layerDirs[0] === path.join(spec.runDir, 'empty-layer')) await fs.mkdir(spec.layerDirs[0], { recursive: true, mode: 0o755 });
        await lockDir(spec.runDir, rootGid);
        await Promise.all([
          writeFileAtomic(specFile, specText, 0o600, { sync: false }),
          spec.seccomp === null
            ? fs.rm(seccompPath(spec.runDir), { force: true })
            : this.compiledSeccomp(spec.seccomp).then((bpf) => writeFileAtomic(seccompPath(spec.runDir), bpf, 0o600, { sync: false })),
        ]);
      })(),
      lockDir(containerDir, rootGid),
      fs.rm(spec.exitPath, { force: true }),
      ...(userns ? [spec.upperDir, spec.workDir].map((d) => fs.chown(d, rootUid, rootGid)) : []),
    ]);
    this.known.set(spec.id, { runDir: spec.runDir, exitPath: spec.exitPath });
    mark?.('files');

    const child = this.takeShim(specFile);
    mark?.('spawn'); // node's fork + exec, synchronous (the engine's event loop waits), or the warm shim's
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // the shim may be gone already; its reply says why
    const lines = new LineReader(child.stdout);
    // closing the shim's stdin before `go` makes it kill the container and exit
    const first = await withTimeout(lines.next(), SHIM_TIMEOUT_MS, `start container ${spec.id}`).catch((err) => {
      child.stdin.end();
      throw err;
    });
    const m = /^pid (\d+) (\d+)$/.exec(first ?? '');
    if (!m) throw shimError(`start container ${spec.id}`, first ?? stderr.trim());
    const pid = Number(m[1]);
    const shimPid = Number(m[2]);
    await writeFileAtomic(path.join(spec.runDir, 'shim.pid'), `${shimPid}\n`, 0o600, { sync: false });
    // the handshake's requests, one at a time: each is a line to the shim and its one-line reply
    let queue: Promise<unknown> = Promise.resolve();
    const veth = (plan: VethPlan): Promise<void> => {
      const step = queue.then(async () => {
        if (plan.pid !== pid) throw new InvalidSpec('pid', String(plan.pid), `not the process ${pid} of container ${spec.id}`);
        child.stdin.write(vethLine(plan));
        const reply = await withTimeout(lines.next(), SHIM_TIMEOUT_MS, `connect ${plan.ifName} of container ${spec.id}`);
        if (reply !== 'veth ok') throw shimError(`connect ${plan.ifName} of container ${spec.id} to bridge ${plan.bridge}`, reply?.replace(/^veth error /, '') ?? stderr.trim());
      });
      queue = step.catch(() => undefined); // the next request waits for this one, not for its success
      return step;
    };
    try {
      await beforeExec(pid, { veth });
    } catch (err) {
      child.stdin.end('abort\n');
      await lines.next(); // the shim kills the container and exits
      child.stdout.destroy();
      throw err;
    }
    child.stdin.end('go\n');
    const reply = await withTimeout(lines.next(), SHIM_TIMEOUT_MS, `start container ${spec.id}`);
    child.stdout.destroy();
    child.stderr.destroy();
    if (reply === 'started') return { pid, shimPid };
    // The shim goes on until it has reaped the container and written its log and exit.json
    // into the container's dir: wait for that, so that removing the dir (--rm) cannot race
    // the shim's last writes and hide this error behind ENOTEMPTY.
    // the start's own error (below) is what the caller must see, whether or not this wait ends in time
    await withTimeout(this.waitExit(spec.id), SHIM_TIMEOUT_MS, `wait for container ${spec.id} to end`).catch(() => undefined);
    const errno = parseExecFail(reply ?? '');
    if (errno !== undefined) throw execFailureError(spec.args[0], errno);
    throw shimError(`start container ${spec.id}`, reply);
  }

  async readExit(exitPath: string): Promise<ExitStatus | undefined> {
    return readJson<ExitStatus>(exitPath);
  }

  /** Resolves when the container ends: the shim closes attach connections right after
   * writing exit.json, so this also works for containers started by an earlier engine. */
  async waitExit(id: string): Promise<ExitStatus> {
    const exitPath = this.exitPath(id);
    try {
      const a = await AttachStream.connect(attachSocketPath(this.runDir(id)));
      await a.ended;
    } catch {
      // no shim listening: it has finished (or died)
    }
    for (let i = 0; ; i++) {
      const st = await this.readExit(exitPath);
      if (st) return st;
      const shimPid = Number((await fs.readFile(path.join(this.runDir(id), 'shim.pid'), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return ''; // no pid file: no shim to wait for
        throw err;
      })).trim());
      if (!shimPid || !alive(shimPid)) {
        return { exitCode: 255, finishedAt: new Date().toISOString(), error: `shim of container ${id} ended without writing ${exitPath}` };
      }
      await sleep(Math.min(50 * (i + 1), 500));
    }
  }

  /**
   * The pid of `id`'s shim while one is alive, read from its run dir and checked against
   * /proc (a recycled pid of another program is not taken for it).
   */
  liveShim(id: string): number | undefined {
    const runDir = this.runDir(id);
    let pid: number;
    try { pid = Number(fsSync.readFileSync(path.join(runDir, 'shim.pid'), 'utf8').trim()); } catch { return undefined; }
    if (!pid || !alive(pid)) return undefined;
    try {
      return fsSync.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(path.join(runDir, 'spec')) ? pid : undefined;
    } catch {
      return undefined; // gone meanwhile
    }
  }

  /** Ends a shim whose start was interrupted (its container dies with it) and waits until it is gone. */
  async killShim(pid: number): Promise<void> {
    try { process.kill(pid, 'SIGKILL'); } catch { return; /* already gone */ }
    for (let i = 0; i < 200 && alive(pid); i++) await sleep(10);
    if (alive(pid)) throw new MinidockError('Internal', `shim ${pid} did not exit after SIGKILL`);
  }

  async attach(id: string): Promise<AttachStream> {
    try {
      return await AttachStream.connect(attachSocketPath(this.runDir(id)));
    } catch (err) {
      throw new MinidockError('ContainerNotRunning', `container ${id} is not running`, { status: 409, cause: err });
    }
  }

  kill(pid: number, signal: NodeJS.Signals | number): void {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new MinidockError('ContainerNotRunning', `no process ${pid} to signal`, { status: 409 });
      throw err;
    }
  }

  async exec(id: string, pid: number, opts: ExecSpec): Promise<ExecProcess> {
    if (!alive(pid)) throw new MinidockError('ContainerNotRunning', `container ${id} is not running`, { status: 409 });
    const base = path.join(this.runDir(id), `exec-${randomBytes(6).toString('hex')}`);
    const specFile = `${base}.spec`;
    const seccompFile = opts.seccomp === null ? undefined : `${base}.seccomp`;
    const specText = serializeExecSpec(pid, opts, seccompFile);
    // compiled first: rules that cannot be compiled leave no files behind
    const bpf = seccompFile ? await this.compiledSeccomp(opts.seccomp!) : undefined;
    await Promise.all([
      writeFileAtomic(specFile, specText, 0o600, { sync: false }),
      ...(seccompFile && bpf ? [writeFileAtomic(seccompFile, bpf, 0o600, { sync: false })] : []),
    ]);
    const child = spawn(this.shim, ['exec', specFile], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const ctl = child.stdio[3] as import('node:net').Socket;
    // Node resumes unconsumed child stdio when the child exits (its output would be thrown
    // away before the caller gets the streams): buffer through our own streams from the start.
    const stdout = child.stdout.pipe(new PassThrough());
    const stderr = child.stderr.pipe(new PassThrough());
    const exited = new Promise<number>((resolve) => child.on('close', (code, sig) => {
      // let the last chunks pass through the PassThroughs first
      setImmediate(() => resolve(code ?? 128 + (sig ? os.constants.signals[sig] : 0)));
    }));
    child.stdin.on('error', () => {});
    try {
      const reply = await withTimeout(new LineReader(ctl).next(), SHIM_TIMEOUT_MS, `exec in container ${id}`);
      const m = /^started (\d+)$/.exec(reply ?? '');
      if (!m) {
        const errno = parseExecFail(reply ?? '');
        if (errno !== undefined) throw execFailureError(opts.args[0], errno);
        throw shimError(`exec in container ${id}`, reply);
      }
      return {
        pid: Number(m[1]),
        stdin: child.stdin,
        stdout,
        stderr,
        resize: (rows, cols) => { if (!ctl.destroyed) ctl.write(`resize ${rows} ${cols}\n`); },
        wait: () => exited,
      };
    } finally {
      // the shim has read both before it replies (or it has failed)
      await Promise.all([specFile, ...(seccompFile ? [seccompFile] : [])].map((f) => fs.rm(f, { force: true })));
    }
  }
}
