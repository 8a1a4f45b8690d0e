// Runtime: starts containers through the C shim and talks to running ones.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MinidockError } from '../errors.js';
import { containersRoot, type Paths } from '../state/paths.js';
import { readJson, writeFileAtomic } from '../state/atomic.js';
import { AttachStream } from './attach.js';
import { execFailureError, parseExecFail } from './exec-error.js';
import { LineReader } from './line-reader.js';
import { shimPath } from './shim-path.js';
import { attachSocketPath, rootfsPath, seccompPath, serializeExecSpec, serializeRunSpec, toHostId } from './spec.js';
import type { ContainerSpec, ExecProcess, ExecSpec, ExitStatus, IdMapping, StartedContainer } from './types.js';

const SHIM_TIMEOUT_MS = 30_000;

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

/** Host id the container's root maps to (owner of upper/work on disk). */
export function hostRootId(map: IdMapping[]): number {
  const id = toHostId(map, 0);
  if (id < 0) throw new MinidockError('InvalidArgument', `id map ${JSON.stringify(map)} does not map container root`, { status: 400 });
  return id;
}

export class Runtime {
  /** Paths of containers started by this process; others follow the on-disk layout. */
  private readonly known = new Map<string, { runDir: string; exitPath: string }>();

  /** `shim` defaults to shimPath(), looked up when first needed (so constructing never fails). */
  constructor(private readonly paths: Paths, private readonly shimOverride?: string) {}

  private get shim(): string { return this.shimOverride ?? shimPath(); }

  runDir(id: string): string { return this.known.get(id)?.runDir ?? path.join(this.paths.run, 'containers', id); }
  exitPath(id: string): string { return this.known.get(id)?.exitPath ?? path.join(containersRoot(this.paths), id, 'exit.json'); }

  async start(spec: ContainerSpec, beforeExec: (pid: number) => Promise<void>): Promise<StartedContainer> {
    if (spec.layerDirs.length === 0) {
      // overlay needs a lower layer: an image without layers gets an empty one
      const empty = path.join(spec.runDir, 'empty-layer');
      await fs.mkdir(empty, { recursive: true, mode: 0o755 });
      spec = { ...spec, layerDirs: [empty] };
    }
    const specFile = path.join(spec.runDir, 'spec');
    const userns = spec.userns;
    // Independent steps, run together. The run dir's files (spec, shim.pid) mean nothing
    // after a host crash (the containers are gone too), so they are written without fsync.
    await Promise.all([
      (async () => {
        await fs.mkdir(path.join(spec.runDir, 'lower'), { recursive: true });
        await fs.mkdir(rootfsPath(spec.runDir), { recursive: true });
        // the container's root (a host uid with no rights here) must traverse to its rootfs
        await fs.chmod(spec.runDir, 0o711);
        await writeFileAtomic(specFile, serializeRunSpec(spec), 0o600, { sync: false });
        // execs load the same filter: the rules stay in the run dir (none left from an earlier start)
        if (spec.seccomp) await writeFileAtomic(seccompPath(spec.runDir), spec.seccomp, 0o600, { sync: false });
        else await fs.rm(seccompPath(spec.runDir), { force: true });
      })(),
      fs.rm(spec.exitPath, { force: true }),
      ...(userns ? [spec.upperDir, spec.workDir].map((d) => fs.chown(d, hostRootId(userns.uidMap), hostRootId(userns.gidMap))) : []),
    ]);
    this.known.set(spec.id, { runDir: spec.runDir, exitPath: spec.exitPath });

    const child = spawn(this.shim, ['run', specFile], { stdio: ['pipe', 'pipe', 'pipe'] });
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
    try {
      await beforeExec(pid);
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
      const shimPid = Number((await fs.readFile(path.join(this.runDir(id), 'shim.pid'), 'utf8').catch(() => '')).trim());
      if (!shimPid || !alive(shimPid)) {
        return { exitCode: 255, finishedAt: new Date().toISOString(), error: `shim of container ${id} ended without writing ${exitPath}` };
      }
      await sleep(Math.min(50 * (i + 1), 500));
    }
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
    const specFile = path.join(this.runDir(id), `exec-${randomBytes(6).toString('hex')}.spec`);
    const rules = seccompPath(this.runDir(id));
    const filtered = await fs.access(rules).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    });
    await writeFileAtomic(specFile, serializeExecSpec(pid, opts, filtered ? rules : undefined));
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
      await fs.rm(specFile, { force: true });
    }
  }
}
