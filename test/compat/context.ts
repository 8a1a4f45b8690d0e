// What a scenario gets for one run under one engine: a unique prefix for everything it creates,
// labelled steps (the first failing step is what the table reports), a LIFO list of cleanups
// that always runs, and ways to run client programs with the engine's DOCKER_HOST.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run } from '../../src/util/exec.js';
import type { Target } from './types.js';

export const DOCKER = process.env.COMPAT_DOCKER ?? '/usr/bin/docker';
export const PYTHON = process.env.COMPAT_PYTHON ?? '/usr/bin/python3';
export const COMPOSE = process.env.COMPAT_COMPOSE ?? '/usr/bin/docker-compose';
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

export interface CmdResult { exit: number; stdout: string; stderr: string }

export class StepError extends Error {
  constructor(readonly step: string, readonly cause: unknown) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Throws `msg` unless `cond`. */
export function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/** A long-running client command (logs -f, events, a tty session). */
export class Background {
  out = '';
  readonly exited: Promise<number>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => { this.out += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.exited = new Promise((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
  }

  write(s: string): void { this.child.stdin?.write(s); }

  async waitFor(re: RegExp, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (re.test(this.out)) return true;
      if (this.child.exitCode !== null || this.child.signalCode !== null) return re.test(this.out);
      await sleep(100);
    }
    return false;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const done = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) this.child.kill('SIGKILL');
    }
  }
}

export class ScenarioRun {
  /** Prefix of every name this run creates (containers, networks, volumes, repos, projects). */
  readonly uid = `cmp${randomBytes(3).toString('hex')}`;
  private readonly cleanups: Array<{ label: string; fn: () => Promise<unknown> }> = [];
  private readonly background = new Set<Background>();
  /** The step running now (named when a scenario times out). */
  current = 'start';

  constructor(readonly target: Target, readonly registry: string) {}

  /** An image of the local test registry, e.g. 127.0.0.1:5000/busybox:latest. */
  image(name: 'busybox' | 'nginx'): string {
    return `${this.registry}/${name}:latest`;
  }

  name(logical: string): string {
    return `${this.uid}-${logical}`;
  }

  get env(): Record<string, string> { return this.target.env; }

  /** Runs one labelled step; its failure becomes the scenario's failure, named by the label. */
  async step<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.current = label;
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StepError) throw err;
      throw new StepError(label, err);
    }
  }

  /** Registers a cleanup; they run last-in first-out after the scenario, whatever happened. */
  defer(label: string, fn: () => Promise<unknown>): void {
    this.cleanups.push({ label, fn });
  }

  /** Runs every cleanup and returns the errors (none is swallowed). */
  async cleanup(): Promise<string[]> {
    const errors: string[] = [];
    for (const b of this.background) await b.stop();
    for (const c of this.cleanups.reverse()) {
      try { await c.fn(); } catch (err) { errors.push(`${c.label}: ${firstLine(err)}`); }
    }
    this.cleanups.length = 0;
    return errors;
  }

  /** A client command with the engine's environment; never throws for an exit code. */
  async sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CmdResult> {
    try {
      const r = await run(cmd, args, { input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 60_000, env: { ...this.env, ...opts.env }, okExitCodes: ALL_EXIT_CODES });
      return { exit: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      return { exit: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Like sh, but a non-zero exit is an error carrying the command's stderr. */
  async ok(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CmdResult> {
    const r = await this.sh(cmd, args, opts);
    if (r.exit !== 0) throw new Error(`${cmd.split('/').pop()} ${args.join(' ')} exited ${r.exit}: ${(r.stderr || r.stdout).trim()}`);
    return r;
  }

  /** The docker CLI (Debian's) against the engine; must exit 0. */
  docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CmdResult> {
    return this.ok(DOCKER, args, opts);
  }

  /** The docker CLI, any exit code. */
  dockerAny(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CmdResult> {
    return this.sh(DOCKER, args, opts);
  }

  /** Starts a long-running client command; it is stopped at cleanup at the latest. */
  spawn(cmd: string, args: string[], env: Record<string, string> = {}): Background {
    const child = spawn(cmd, args, { env: { ...process.env, ...this.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const b = new Background(child);
    this.background.add(b);
    return b;
  }

  /** Retries `fn` until it returns a truthy value or `ms` pass; returns the last value. */
  async until<T>(ms: number, fn: () => Promise<T>, delayMs = 300): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v || Date.now() > end) return v;
      await sleep(delayMs);
    }
  }
}

export function firstLine(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.split('\n').find((l) => l.trim()) ?? s;
}
