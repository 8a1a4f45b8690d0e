// Healthchecks as dockerd runs them (moby daemon/health.go): the create body's Healthcheck
// merged over the image's HEALTHCHECK, checked at create; a running container's probe runs
// inside it like `exec`, one timer per container between probes (no process while idle); each
// result moves starting/healthy/unhealthy by docker's rules, is kept in the record (the last 5,
// output cut at 4096 bytes) and a status change is a `health_status: <status>` event. Exit,
// stop and rm end the loop; start begins it again at starting; the engine's own restart
// resumes it where the record left it. An unhealthy container is not restarted (docker).
import { invalidArgument } from '../errors.js';
import type { HealthConfig } from '../wire/api-types.js';
import { formatGoDuration } from '../wire/duration.js';
import type { EngineCore } from './core.js';
import { execProcess } from './exec-process.js';
import type { ContainerRecord, HealthResult, HealthState, HealthStatus } from './record.js';
import type { ExecProcessLike } from './services.js';

/** dockerd's defaults (ns), used where a field is 0 or unset. */
export const HEALTH_DEFAULTS = { Interval: 30e9, Timeout: 30e9, StartPeriod: 0, StartInterval: 5e9, Retries: 3 } as const;
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;
const MIN_DURATION_NS = 1e6;
const DURATIONS = ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const;

/** Refuses a Healthcheck dockerd refuses, and a probe type it would only ignore. */
export function checkHealthConfig(hc: HealthConfig | null | undefined): void {
  if (hc == null) return;
  if (typeof hc !== 'object' || Array.isArray(hc)) throw invalidArgument('Healthcheck must be a json object');
  const test = hc.Test;
  if (test != null) {
    if (!Array.isArray(test) || test.some((x) => typeof x !== 'string')) throw invalidArgument('Healthcheck.Test must be an array of strings');
    const [kind, ...rest] = test;
    if (kind === 'CMD' || kind === 'CMD-SHELL') {
      if (!rest.length) throw invalidArgument(`Healthcheck.Test ${kind} needs a command: ${JSON.stringify(test)}`);
    } else if (kind === 'NONE') {
      if (rest.length) throw invalidArgument(`Healthcheck.Test NONE takes no command: ${JSON.stringify(test)}`);
    } else if (kind !== undefined) {
      throw invalidArgument(`unknown healthcheck type '${kind}' in Healthcheck.Test: expected CMD, CMD-SHELL or NONE`);
    }
  }
  // dockerd's wording (capitalised field names: docker shows them verbatim)
  for (const key of DURATIONS) {
    const v = hc[key];
    if (v == null) continue;
    if (!Number.isInteger(v)) throw invalidArgument(`${key} in Healthcheck must be a whole number of nanoseconds: ${String(v)}`);
    if (v !== 0 && v < MIN_DURATION_NS) throw invalidArgument(`${key} in Healthcheck cannot be less than 1ms`);
  }
  if (hc.Retries != null) {
    if (!Number.isInteger(hc.Retries)) throw invalidArgument(`Retries in Healthcheck must be a whole number: ${String(hc.Retries)}`);
    if (hc.Retries < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  }
}

/** Unset (0, empty) fields dropped, as docker's JSON omits them. */
function compact(hc: HealthConfig): HealthConfig {
  const out: HealthConfig = {};
  if (hc.Test?.length) out.Test = [...hc.Test];
  for (const key of [...DURATIONS, 'Retries'] as const) if (hc[key]) out[key] = hc[key];
  return out;
}

/** dockerd's merge at create: the request's fields win, its empty ones take the image's. */
export function mergeHealthConfig(user: HealthConfig | null | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!user && !image) return undefined;
  if (!image) return compact(user!);
  if (!user) return compact(image);
  const merged: HealthConfig = { Test: user.Test?.length ? user.Test : image.Test };
  for (const key of [...DURATIONS, 'Retries'] as const) merged[key] = user[key] || image[key] || 0;
  return compact(merged);
}

/** The argv a probe runs, or undefined when there is no check (none, empty, NONE, unknown type). */
export function probeCommand(test: string[] | null | undefined): string[] | undefined {
  const [kind, ...rest] = test ?? [];
  if (kind === 'CMD' && rest.length) return rest;
  if (kind === 'CMD-SHELL' && rest.length) return ['/bin/sh', '-c', ...rest];
  return undefined;
}

/** The state after one probe's result (pure): success is healthy; a failure counts unless the
 * container is still starting inside its start period; `retries` failures in a row are unhealthy. */
export function applyResult(h: HealthState, r: HealthResult, hc: HealthConfig, startedAt: string): HealthState {
  const Log = [...h.Log, r].slice(-MAX_LOG_ENTRIES);
  if (r.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  const startPeriodMs = (hc.StartPeriod || HEALTH_DEFAULTS.StartPeriod) / 1e6;
  if (h.Status === 'starting' && Date.parse(r.Start) - Date.parse(startedAt) < startPeriodMs) return { ...h, Log };
  const FailingStreak = h.FailingStreak + 1;
  const retries = hc.Retries && hc.Retries > 0 ? hc.Retries : HEALTH_DEFAULTS.Retries;
  return { Status: FailingStreak >= retries ? 'unhealthy' : h.Status, FailingStreak, Log };
}

/** Milliseconds to the next probe: the start interval while starting inside the start period, else the interval. */
export function nextProbeDelayMs(hc: HealthConfig, status: HealthStatus, startedAt: string, nowMs: number): number {
  const interval = (hc.Interval || HEALTH_DEFAULTS.Interval) / 1e6;
  const startPeriod = (hc.StartPeriod || HEALTH_DEFAULTS.StartPeriod) / 1e6;
  if (nowMs - Date.parse(startedAt) >= startPeriod || status !== 'starting') return interval;
  return (hc.StartInterval || HEALTH_DEFAULTS.StartInterval) / 1e6;
}

/** The probe's stdout and stderr together, kept up to 4096 bytes; "..." marks what was cut (dockerd's limitedBuffer). */
export class LimitedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  push(data: Buffer): void {
    const keep = Math.min(MAX_OUTPUT_BYTES - this.size, data.length);
    if (keep > 0) { this.chunks.push(data.subarray(0, keep)); this.size += keep; }
    if (keep < data.length) this.truncated = true;
  }

  text(): string { return Buffer.concat(this.chunks).toString('utf8') + (this.truncated ? '...' : ''); }
}

export interface ProbeDeps {
  exec: (id: string, args: string[]) => Promise<ExecProcessLike>;
  kill: (pid: number) => void;
  now: () => Date;
}

/** One probe. Never throws: a probe that cannot start is exit code -1 with the error as
 * output, one that outlives its timeout is killed and is -1 "Health check exceeded timeout" (dockerd). */
export async function runProbe(deps: ProbeDeps, id: string, args: string[], timeoutNs: number, signal?: AbortSignal): Promise<HealthResult> {
  const Start = deps.now().toISOString();
  const result = (ExitCode: number, Output: string): HealthResult => ({ Start, End: deps.now().toISOString(), ExitCode, Output });
  let proc: ExecProcessLike;
  try {
    proc = await deps.exec(id, args);
  } catch (err) {
    return result(-1, (err as Error).message);
  }
  proc.stdin.end();
  const out = new LimitedOutput();
  const drained = Promise.all([proc.stdout, proc.stderr].map((s) => new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => out.push(d));
    s.once('end', resolve);
    s.once('close', resolve);
    s.once('error', resolve); // deliberate: a broken pipe ends the output; the exit code still decides
  })));
  let stop!: (why: 'timeout' | 'abort') => void;
  const stopped = new Promise<'timeout' | 'abort'>((resolve) => { stop = resolve; });
  const timer = setTimeout(() => stop('timeout'), timeoutNs / 1e6);
  const onAbort = () => stop('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  const outcome = await Promise.race([Promise.all([proc.wait(), drained]).then(([code]) => code), stopped]);
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  if (typeof outcome === 'number') return result(outcome, out.text());
  // The probe is ended (its descendants may hold the pipes: they are not waited for).
  try { deps.kill(proc.pid); } catch { /* deliberate: it ended on its own meanwhile */ }
  proc.stdout.destroy();
  proc.stderr.destroy();
  return result(-1, outcome === 'timeout' ? `Health check exceeded timeout (${formatGoDuration(timeoutNs)})` : 'health check cancelled');
}

/** A container's loop (its shape is EngineCore's): the timer to its next probe, or the probe in flight. */
type HealthLoop = NonNullable<ReturnType<EngineCore['health']['get']>>;

function realDeps(core: EngineCore): ProbeDeps {
  return {
    exec: (id, args) => execProcess(core, id, { cmd: args, env: [], workingDir: '', user: '', tty: false }),
    kill: (pid) => core.services.runtime.kill(pid, 9),
    now: () => new Date(),
  };
}

/**
 * Begins the container's healthcheck (called with its lock held, once it runs, before the record
 * is saved): State.Health is set to starting with its streak reset and its log kept; `resume`
 * (the engine restarted) keeps the recorded state. No check configured: nothing runs.
 */
export function startHealthcheck(core: EngineCore, rec: ContainerRecord, opts: { resume?: boolean; deps?: ProbeDeps } = {}): void {
  stopHealthcheck(core, rec.Id);
  const hc = rec.Config.Healthcheck;
  const args = probeCommand(hc?.Test);
  if (!hc || !args) {
    const kind = hc?.Test?.[0];
    if (kind && kind !== 'NONE') core.log(`unknown healthcheck type '${kind}' (expected CMD or CMD-SHELL) in container ${rec.Id}: no healthcheck runs`);
    return;
  }
  const h = rec.State.Health;
  if (!opts.resume || !h) rec.State.Health = { Status: 'starting', FailingStreak: 0, Log: h?.Log ?? [] };
  const loop: HealthLoop = {};
  core.health.set(rec.Id, loop);
  schedule(core, rec.Id, loop, args, opts.deps ?? realDeps(core));
}

/** Ends the loop: no further probe; one in flight is killed and its result dropped. */
export function stopHealthcheck(core: EngineCore, id: string): void {
  const loop = core.health.get(id);
  if (!loop) return;
  core.health.delete(id);
  if (loop.timer) clearTimeout(loop.timer);
  loop.probe?.abort();
}

function schedule(core: EngineCore, id: string, loop: HealthLoop, args: string[], deps: ProbeDeps): void {
  const rec = core.store.maybe(id);
  if (core.health.get(id) !== loop || !rec?.State.Health || !rec.Config.Healthcheck) return;
  const delay = nextProbeDelayMs(rec.Config.Healthcheck, rec.State.Health.Status, rec.State.StartedAt, deps.now().getTime());
  loop.timer = setTimeout(() => void tick(core, id, loop, args, deps), delay);
  loop.timer.unref();
}

async function tick(core: EngineCore, id: string, loop: HealthLoop, args: string[], deps: ProbeDeps): Promise<void> {
  loop.timer = undefined;
  const current = () => core.health.get(id) === loop;
  const rec = core.store.maybe(id);
  if (!current() || rec?.State.Status !== 'running') return;
  // docker: no probe while paused; the loop goes on once the container is thawed
  if (!rec.State.Paused) {
    loop.probe = new AbortController();
    const result = await runProbe(deps, id, args, rec.Config.Healthcheck?.Timeout || HEALTH_DEFAULTS.Timeout, loop.probe.signal);
    loop.probe = undefined;
    try {
      await core.lock(id).run(async () => {
        const cur = core.store.maybe(id);
        if (!current() || cur?.State.Status !== 'running' || !cur.State.Health || !cur.Config.Healthcheck) return;
        const before = cur.State.Health.Status;
        cur.State.Health = applyResult(cur.State.Health, result, cur.Config.Healthcheck, cur.State.StartedAt);
        await core.store.save(cur);
        if (cur.State.Health.Status !== before) core.emit(cur, `health_status: ${cur.State.Health.Status}`);
      });
    } catch (err) {
      core.log(`healthcheck of ${id}: recording the result failed: ${(err as Error).message}`);
    }
  }
  schedule(core, id, loop, args, deps);
}
