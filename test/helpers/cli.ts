// Helpers for CLI integration tests: a throwaway engine (own state dirs, socket, bridge,
// nft table and subnet) and a runner for `node bin/minidock ...` with that environment.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/util/exec.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO, 'bin/minidock');
export const isRoot = process.getuid?.() === 0;

export interface CliResult { stdout: string; stderr: string; exitCode: number }

/** Compiles src/ to dist/ (the CLI runs from dist). Teammates' type errors do not stop the emit. */
export async function buildDist(): Promise<void> {
  // incremental (tsconfig.json): a no-op when dist/ is current; the first, full build takes
  // minutes in a VM under software emulation
  await run(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', REPO], { timeoutMs: 600_000, okExitCodes: [0, 1, 2] });
  await fs.access(path.join(REPO, 'dist/cli/main.js'));
}

export class TestEngine {
  readonly env: Record<string, string>;
  readonly bridge: string;
  readonly table: string;
  private proc?: ChildProcess;

  private constructor(readonly dir: string, suffix: string) {
    this.bridge = `dbr${suffix}`;
    this.table = `minidock_d${suffix}`;
    const r = () => 16 + Math.floor(Math.random() * 200);
    this.env = {
      MINIDOCK_ROOT: path.join(dir, 'root'),
      MINIDOCK_RUN: path.join(dir, 'r'),
      MINIDOCK_HOST: path.join(dir, 'engine.sock'),
      MINIDOCK_LOG: path.join(dir, 'engine.log'),
      MINIDOCK_CONFIG: path.join(dir, 'config.json'),
      MINIDOCK_BRIDGE: this.bridge,
      MINIDOCK_BRIDGE_SUBNET: `10.${r()}.${r()}.0/24`,
      MINIDOCK_NFT_TABLE: this.table,
      // container cgroups under a parent of this engine's own (removed by destroy)
      MINIDOCK_CGROUP_PARENT: `minidock-t${suffix}`,
    };
  }

  static async create(): Promise<TestEngine> {
    const suffix = randomBytes(3).toString('hex');
    // Short: unix socket paths (run/containers/<64 hex>/attach.sock) must fit in 107 bytes.
    const dir = path.join(os.tmpdir(), `D${suffix}`);
    await fs.mkdir(dir, { mode: 0o711 });
    return new TestEngine(dir, suffix);
  }

  /** Starts `minidock daemon` in the foreground of this test and waits for its socket. */
  async start(): Promise<void> {
    const log = await fs.open(this.env.MINIDOCK_LOG!, 'a');
    this.proc = spawn(process.execPath, [BIN, 'daemon'], { env: { ...process.env, ...this.env }, stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    for (let i = 0; i < 300; i++) {
      if ((await this.cli(['version'], { timeoutMs: 5000 })).exitCode === 0) return;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`engine did not start: ${await fs.readFile(this.env.MINIDOCK_LOG!, 'utf8').catch(() => '')}`);
  }

  get pid(): number | undefined { return this.proc?.pid; }

  /** Pids of engine processes serving this test's socket (found through their environment). */
  async enginePids(): Promise<number[]> {
    const out: number[] = [];
    for (const p of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      const cmd = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
      if (!cmd.includes('minidock') || !cmd.includes('daemon')) continue;
      const env = await fs.readFile(`/proc/${p}/environ`, 'utf8').catch(() => '');
      if (env.split('\0').includes(`MINIDOCK_HOST=${this.env.MINIDOCK_HOST}`)) out.push(Number(p));
    }
    return out;
  }

  /** Stops an engine the CLI started by itself (not a child of this test). */
  async stopAutostarted(): Promise<void> {
    for (const pid of await this.enginePids()) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && (await this.enginePids()).includes(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL (a crash) or SIGTERM (orderly); waits for the process to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await gone;
  }

  cli(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...this.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`minidock ${args.join(' ')} timed out; stderr: ${stderr}`)); }, opts.timeoutMs ?? 60_000);
      child.on('close', (code) => { clearTimeout(timer); resolve({ stdout, stderr, exitCode: code ?? -1 }); });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs the CLI inside a pseudo-terminal (util-linux `script`), feeding `input` over time. */
  async cliTty(args: string[], steps: { afterMs: number; write: string }[], opts: { cols?: number; rows?: number; timeoutMs?: number } = {}): Promise<CliResult> {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const size = opts.cols ? `stty cols ${opts.cols} rows ${opts.rows ?? 24}; ` : '';
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', `${size}${quoted}`, '/dev/null'], { env: { ...process.env, ...this.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timers = steps.map((s) => setTimeout(() => child.stdin.write(s.write), s.afterMs));
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tty minidock ${args.join(' ')} timed out; out: ${stdout}`)); }, opts.timeoutMs ?? 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        timers.forEach(clearTimeout);
        // `script` itself types a NUL at start here; it is not the container's output.
        resolve({ stdout: stdout.replace(/\0|\^@/g, ''), stderr, exitCode: code ?? -1 });
      });
    });
  }

  /** Container state dirs and mounts under this engine's dirs (for "nothing left behind" checks). */
  async leftovers(): Promise<{ containers: string[]; mounts: string[] }> {
    const containers = await fs.readdir(path.join(this.env.MINIDOCK_ROOT!, 'containers')).catch(() => []);
    const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(this.dir));
    return { containers, mounts };
  }

  /**
   * Removes every container (through the engine), stops it, then deletes what a real engine
   * would keep: its default bridge, nft table and iptables lines naming the bridge, and the dirs.
   */
  async destroy(): Promise<string[]> {
    const errors: string[] = [];
    if ((this.proc && this.proc.exitCode === null) || (await this.enginePids()).length) {
      // pods first: their holders go with them, never by `rm`
      const pods = (await this.cli(['pod', 'ls', '-q'], { timeoutMs: 20_000 }).catch(() => undefined))?.stdout.split('\n').filter(Boolean) ?? [];
      if (pods.length) await this.cli(['pod', 'rm', '-f', ...pods], { timeoutMs: 60_000 }).catch((e) => errors.push(String(e)));
      const ids = (await this.cli(['ps', '-aq', '--no-trunc'], { timeoutMs: 20_000 }).catch(() => undefined))?.stdout.split('\n').filter(Boolean) ?? [];
      if (ids.length) await this.cli(['rm', '-f', ...ids], { timeoutMs: 60_000 }).catch((e) => errors.push(String(e)));
      const nets = (await this.cli(['network', 'ls', '-q'], { timeoutMs: 20_000 }).catch(() => undefined))?.stdout.split('\n').filter(Boolean) ?? [];
      for (const n of nets) await this.cli(['network', 'rm', n]).catch(() => undefined); // builtin ones refuse, that is fine
      await this.stop('SIGTERM');
    }
    await this.stopAutostarted();
    await run('ip', ['link', 'del', this.bridge]).catch(() => undefined);
    await run('nft', ['-f', '-'], { input: `add table ip ${this.table}\ndelete table ip ${this.table}\n` }).catch((e) => errors.push(String(e)));
    // the network policies' table (src/network/policy/render.ts policyTable)
    await run('nft', ['-f', '-'], { input: `add table ip ${this.table}_policy\ndelete table ip ${this.table}_policy\n` }).catch((e) => errors.push(String(e)));
    const { removeBridgeAccepted } = await import('../../src/network/iptables.js');
    errors.push(...(await removeBridgeAccepted(this.bridge, 'bridge')).map(String));
    // Shims of containers this engine started: none should be left, kill any by exact pid.
    for (const pid of await findShimPids(this.env.MINIDOCK_RUN!)) {
      // Only a shim whose command line names our run dir (pids get reused).
      const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmd.includes('minidock-shim') || !cmd.includes(this.env.MINIDOCK_RUN!)) continue;
      try { process.kill(pid, 'SIGKILL'); errors.push(`shim ${pid} was still running`); } catch { /* gone: good */ }
    }
    for (const m of (await this.leftovers()).mounts) errors.push(`mount left: ${m}`);
    errors.push(...(await removeCgroups(this.env.MINIDOCK_CGROUP_PARENT!)));
    await fs.rm(this.dir, { recursive: true, force: true });
    return errors;
  }
}

/** Container cgroups left under this engine's parent are errors (and are removed), then the parent goes. */
export async function removeCgroups(parent: string): Promise<string[]> {
  const errors: string[] = [];
  const { Cgroups } = await import('../../src/runtime/cgroups/index.js');
  const layout = await Cgroups.detect({ parent });
  const left = new Set<string>();
  // v1: /sys/fs/cgroup/<controller>/<parent>; v2: /sys/fs/cgroup/<parent> ('' below)
  for (const ctrl of ['', ...await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[])]) {
    const dir = path.join('/sys/fs/cgroup', ctrl, parent);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) left.add(e.name);
  }
  for (const id of left) {
    errors.push(`cgroup left: ${parent}/${id}`);
    await layout.open(id, {}).destroy().catch((e) => errors.push(String(e)));
  }
  await layout.removeParent().catch((e) => errors.push(String(e)));
  return errors;
}

async function findShimPids(runDir: string): Promise<number[]> {
  const dir = path.join(runDir, 'containers');
  const out: number[] = [];
  for (const id of await fs.readdir(dir).catch(() => [] as string[])) {
    const pid = Number((await fs.readFile(path.join(dir, id, 'shim.pid'), 'utf8').catch(() => '')).trim());
    if (pid) out.push(pid);
  }
  return out;
}

/**
 * The usual start of a CLI integration test: the local registry, dist/ built, a throwaway
 * engine running with `images` pulled. An engine that fails half-way is destroyed first.
 */
export async function engineWithImages(images: string[]): Promise<TestEngine> {
  const { ensureTestRegistry } = await import('./registry.js');
  await ensureTestRegistry();
  await buildDist();
  const eng = await TestEngine.create();
  try {
    await eng.start();
    for (const image of images) {
      const pull = await eng.cli(['pull', image], { timeoutMs: 120_000 });
      if (pull.exitCode !== 0) throw new Error(`pull ${image} into the test engine: ${pull.stderr.trim()}`);
    }
  } catch (err) {
    await eng.destroy();
    throw err;
  }
  return eng;
}
