// Runs one scenario under one tool: expands placeholders, runs steps, normalises results and
// removes everything the run created (containers, then networks) even when a step failed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { readlinkSync } from 'node:fs';
import { run } from '../../src/util/exec.js';
import { decodeProcRoute, keepRows, newContext, normalise, sortLines, tableCells, type NormaliseContext } from './normalise.js';
import type { AttachStep, Scenario, Step, StepResult, Tool } from './types.js';
import type { LanHost } from './lan.js';

const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

export interface ToolCommand { cmd: string; prefix: string[] }

export function toolCommand(tool: Tool): ToolCommand {
  if (tool === 'docker') return { cmd: process.env.PARITY_DOCKER ?? 'docker', prefix: [] };
  return { cmd: 'node', prefix: [process.env.MINIDOCK_BIN ?? new URL('../../bin/minidock', import.meta.url).pathname] };
}

export interface StepOutcome { label: string; result: StepResult; setup: boolean }

export interface RunEnv { image: string; lan: LanHost; sub: string }

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A host TCP port nobody listens on right now (both on 0.0.0.0 and 127.0.0.1). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export class ToolRun {
  readonly cmd: ToolCommand;
  readonly ctx: NormaliseContext;
  /** logical -> actual container/network names. */
  private names = new Map<string, string>();
  private networks = new Set<string>();
  private ports = new Map<string, number>();
  private readonly tag: string;

  constructor(readonly tool: Tool, readonly env: RunEnv) {
    this.cmd = toolCommand(tool);
    this.tag = `e${randomBytes(2).toString('hex')}${tool[0]}`;
    this.ctx = newContext({
      [env.lan.lanIp]: '<lan>',
      [env.lan.hostIp]: '<lan-gw>',
      [`${env.sub}.`]: '<sub>.',
      [env.image]: '<image>',
      [readlinkSync('/proc/self/ns/net')]: '<host-netns>',
      [hostname()]: '<host-hostname>',
    }, [/\bmd-[0-9a-f]{8,12}\b/, /\bmdbr-[0-9a-zA-Z]+\b/]);
  }

  name(logical: string): string {
    let n = this.names.get(logical);
    if (!n) {
      n = `${this.tag}-${logical}`;
      this.names.set(logical, n);
      this.ctx.literals.set(n, logical);
    }
    return n;
  }

  async exec(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<StepResult> {
    try {
      const r = await run(this.cmd.cmd, [...this.cmd.prefix, ...args], { input: opts.stdin ?? '', timeoutMs: opts.timeoutMs ?? 30_000, okExitCodes: ALL_EXIT_CODES });
      return { exit: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      return { exit: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The container's first IPv4 address, from `inspect` (docker's JSON shape). */
  async ipOf(logical: string): Promise<string> {
    const r = await this.exec(['inspect', this.name(logical)]);
    if (r.exit === 0) {
      try {
        const [c] = JSON.parse(r.stdout) as Array<{ NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } }>;
        const nets = Object.values(c?.NetworkSettings?.Networks ?? {});
        const ip = nets.map((n) => n.IPAddress).find((a) => a) ?? c?.NetworkSettings?.IPAddress;
        if (ip) return ip;
      } catch { /* fall through to exec */ }
    }
    const e = await this.exec(['exec', this.name(logical), 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    const m = /inet (\d+\.\d+\.\d+\.\d+)/.exec(e.stdout);
    if (!m) throw new Error(`cannot find the address of ${this.name(logical)}: ${r.stderr || e.stderr}`);
    return m[1];
  }

  async expand(arg: string): Promise<string> {
    let out = arg;
    for (const m of [...arg.matchAll(/\{(n|ip|port):([a-z0-9-]+)\}/g)]) {
      const [whole, kind, logical] = m;
      let value: string;
      if (kind === 'n') value = this.name(logical);
      else if (kind === 'ip') value = await this.ipOf(logical);
      else {
        let p = this.ports.get(logical);
        if (p === undefined) {
          p = await freePort();
          this.ports.set(logical, p);
          this.ctx.literals.set(String(p), `<port:${logical}>`);
        }
        value = String(p);
      }
      out = out.replace(whole, value);
    }
    return out
      .replaceAll('{image}', this.env.image)
      .replaceAll('{lan-gw}', this.env.lan.hostIp)
      .replaceAll('{lan-ns}', this.env.lan.ns)
      .replaceAll('{lan}', this.env.lan.lanIp)
      .replaceAll('{sub}', this.env.sub);
  }

  async runStep(step: Step): Promise<StepResult> {
    // Address tokens are per step: each step is usually its own container, and a tool that
    // hands out .3 after .2 (instead of reusing .2) is not a parity problem.
    this.ctx.ipTokens = new Map();
    const args: string[] = [];
    const source = step.kind === 'host' ? step.args : step.argv;
    for (const a of source) args.push(await this.expand(a));
    if (step.kind === 'cli' && args[0] === 'network' && args[1] === 'create') this.networks.add(args[args.length - 1]);
    const attempts = step.retry?.times ?? 1;
    let result: StepResult = { exit: -1, stdout: '', stderr: '' };
    for (let i = 0; i < attempts; i++) {
      if (step.kind === 'cli') result = await this.exec(args, { stdin: step.stdin, timeoutMs: step.timeoutMs });
      else if (step.kind === 'host') result = await this.host(step.cmd, args, step.inLan ?? false, step.stdin);
      else result = await this.attach(step, args);
      result = this.post(step, result);
      if (!step.retry || step.retry.until(result)) break;
      await sleep(step.retry.delayMs);
    }
    if (step.waitMs) await sleep(step.waitMs);
    return result;
  }

  private async host(cmd: string, args: string[], inLan: boolean, stdin?: string): Promise<StepResult> {
    const argv = inLan ? ['netns', 'exec', this.env.lan.ns, cmd, ...args] : args;
    try {
      const r = await run(inLan ? 'ip' : cmd, argv, { input: stdin ?? '', timeoutMs: 20_000, okExitCodes: ALL_EXIT_CODES });
      return { exit: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      return { exit: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Drive `run -it` on a pty (util-linux script), type a line, detach, then ask if it still runs. */
  private async attach(step: AttachStep, args: string[]): Promise<StepResult> {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const line = [this.cmd.cmd, ...this.cmd.prefix, ...args].map(quote).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
    const waitFor = async (re: RegExp, ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (re.test(out)) return true;
        await sleep(100);
      }
      return false;
    };
    const words: string[] = [];
    try {
      if (await waitFor(/# $|# \S*$/m, 15_000)) words.push('prompt');
      child.stdin.write('echo hi-$((40+2))\r');
      if (await waitFor(/hi-42/, 5_000)) words.push('echo');
      child.stdin.write('\x10\x11');
      const code = await Promise.race([exited, sleep(10_000).then(() => null)]);
      words.push(code === null ? 'still-attached' : `detached(exit ${code})`);
      const r = await this.exec(['inspect', this.name(step.name)]);
      let running = false;
      try { running = Boolean((JSON.parse(r.stdout) as Array<{ State?: { Running?: boolean } }>)[0]?.State?.Running); } catch { /* not json */ }
      words.push(running ? 'running' : 'not-running');
    } finally {
      if (child.exitCode === null && child.pid) child.kill('SIGKILL');
    }
    return { exit: 0, stdout: out, stderr: '', outcome: words.join(' ') };
  }

  /** Normalise a raw result (and compute its outcome from the normalised form). */
  private post(step: Step, raw: StepResult): StepResult {
    const shape = (text: string, isStdout: boolean) => {
      let t = text;
      if (isStdout && step.procRoute) t = decodeProcRoute(t);
      t = normalise(t, this.ctx);
      if (isStdout && step.rowsFor) t = keepRows(t, step.rowsFor);
      if (isStdout && step.table) t = tableCells(t);
      if (isStdout && step.sortLines) t = sortLines(t);
      return t;
    };
    const r: StepResult = { exit: raw.exit, stdout: shape(raw.stdout, true), stderr: shape(raw.stderr, false), outcome: raw.outcome };
    if (step.outcome) r.outcome = step.outcome(r);
    return r;
  }

  /** Runs setup (must exit 0) then the compared steps; always cleans up. */
  async runScenario(s: Scenario): Promise<{ steps: StepOutcome[]; setupError?: string }> {
    const steps: StepOutcome[] = [];
    try {
      for (const st of s.setup ?? []) {
        const r = await this.runStep(st);
        steps.push({ label: st.label, result: r, setup: true });
        if (r.exit !== 0 && !(st.compare?.includes('exit'))) return { steps, setupError: `setup "${st.label}" exited ${r.exit}: ${r.stderr}` };
      }
      for (const st of s.steps) steps.push({ label: st.label, result: await this.runStep(st), setup: false });
      return { steps };
    } finally {
      await this.cleanup();
    }
  }

  /** Removes exactly the containers and networks this run named. */
  async cleanup(): Promise<void> {
    const containers = [...this.names.values()].filter((n) => !this.networks.has(n));
    if (containers.length) await this.exec(['rm', '-f', ...containers], { timeoutMs: 60_000 });
    for (const n of this.networks) await this.exec(['network', 'rm', n]);
  }
}
