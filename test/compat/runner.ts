// Runs one scenario under one engine: a fresh ScenarioRun, a time limit, the scenario's own
// cleanups, then a sweep for anything named after the run that is still there (reported as a
// cleanup error: a scenario must remove what it creates). For minidock, the engine's log tells
// the first request it refused during the run (the endpoint or field to implement next).
import fs from 'node:fs/promises';
import http from 'node:http';
import { firstLine, ScenarioRun, sleep, StepError } from './context.js';
import type { Scenario, ScenarioResult, Target } from './types.js';

export const DEFAULT_TIMEOUT_MS = 150_000;

/** GET on an engine's own socket (no client library): the engine's view, for checks. */
export function engineGet<T>(socket: string, urlPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: urlPath, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`GET ${urlPath} on ${socket}: ${res.statusCode} ${body.trim()}`));
        else { try { resolve(JSON.parse(body) as T); } catch (err) { reject(err as Error); } }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} on ${socket} timed out`)));
    req.on('error', reject);
  });
}

export function makeTarget(engine: Target['engine'], socket: string, dockerConfig: string): Target {
  return {
    engine,
    socket,
    env: { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig, DOCKER_API_VERSION: '', DOCKER_CONTEXT: '', COMPOSE_INTERACTIVE_NO_CLI: '1' },
    containerIds: async () => (await engineGet<Array<{ Id: string }>>(socket, '/containers/json?all=1')).map((c) => c.Id),
  };
}

const MISSING = /page not found|method \w+ not allowed|not supported|unsupported|not implemented/i;
const ORDINARY = /^(no such|.* not found$)/i;

/**
 * From the "<time> METHOD /path: message" lines the engine logs for each request it answered
 * with an error: the first missing endpoint or refused option, else the first error that is not
 * an ordinary "no such ..." (clients probe for networks/containers and expect 404s).
 */
export function firstEngineError(logText: string): string | undefined {
  const errors: Array<{ request: string; message: string }> = [];
  for (const line of logText.split('\n')) {
    const m = /^\S+ ((?:GET|POST|PUT|DELETE|HEAD) \S+): (.*)$/.exec(line);
    if (m) errors.push({ request: m[1]!.replace(/^(\w+ )\/v1\.\d+/, '$1'), message: m[2]! });
  }
  const e = errors.find((x) => MISSING.test(x.message)) ?? errors.find((x) => !ORDINARY.test(x.message));
  return e && `${e.request}: ${e.message}`;
}

async function fileSize(file: string): Promise<number> {
  try { return (await fs.stat(file)).size; } catch { return 0; }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.max(0, size - offset));
    await fh.read(buf, 0, buf.length, offset);
    return buf.toString();
  } finally {
    await fh.close();
  }
}

/** Finds what a run left behind (by its unique prefix or label) and removes it; returns problems. */
async function sweep(t: ScenarioRun): Promise<string[]> {
  const problems: string[] = [];
  // A listing the engine cannot answer (an endpoint minidock lacks) means there is nothing to
  // sweep through it; the throwaway engine is destroyed whole afterwards anyway.
  const list = async (args: string[]) => {
    const r = await t.dockerAny(args);
    return r.exit === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes(t.uid)) : [];
  };
  const containers = new Set([
    ...(await list(['ps', '-a', '--format', '{{.Names}}'])),
    ...(await t.dockerAny(['ps', '-aq', '--filter', `label=compat=${t.uid}`])).stdout.split('\n').filter((l) => /^[0-9a-f]+$/.test(l)).map((id) => `${id} ${t.uid}`),
  ]);
  for (const c of containers) {
    problems.push(`left behind: container ${c}`);
    const r = await t.dockerAny(['rm', '-f', c.split(' ')[0]!], { timeoutMs: 60_000 });
    if (r.exit !== 0) problems.push(`rm -f ${c}: ${r.stderr.trim()}`);
  }
  for (const n of await list(['network', 'ls', '--format', '{{.Name}}'])) {
    problems.push(`left behind: network ${n}`);
    const r = await t.dockerAny(['network', 'rm', n]);
    if (r.exit !== 0) problems.push(`network rm ${n}: ${r.stderr.trim()}`);
  }
  for (const v of await list(['volume', 'ls', '--format', '{{.Name}}'])) {
    problems.push(`left behind: volume ${v}`);
    const r = await t.dockerAny(['volume', 'rm', '-f', v]);
    if (r.exit !== 0) problems.push(`volume rm ${v}: ${r.stderr.trim()}`);
  }
  for (const i of await list(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])) {
    problems.push(`left behind: image ${i}`);
    const r = await t.dockerAny(['rmi', '-f', i]);
    if (r.exit !== 0) problems.push(`rmi ${i}: ${r.stderr.trim()}`);
  }
  return problems;
}

export async function runScenario(s: Scenario, target: Target, registry: string, engineLog?: string): Promise<ScenarioResult> {
  const t = new ScenarioRun(target, registry);
  const logOffset = engineLog ? await fileSize(engineLog) : 0;
  const t0 = Date.now();
  const limit = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StepError(t.current, new Error(`scenario timed out after ${limit / 1000} s`))), limit); });
  let failure: StepError | undefined;
  try {
    await Promise.race([s.run(t), timeout]);
  } catch (err) {
    failure = err instanceof StepError ? err : new StepError(t.current, err);
  } finally {
    clearTimeout(timer);
  }
  // Only the scenario's own requests (not its cleanup's) tell what the engine lacks.
  let engineError: string | undefined;
  if (engineLog) {
    await sleep(100); // the engine logs a refused request as it answers it
    engineError = firstEngineError(await readFrom(engineLog, logOffset));
  }
  const cleanupErrors = await t.cleanup();
  cleanupErrors.push(...(await sweep(t)));
  return {
    ok: !failure,
    failedStep: failure?.step,
    error: failure ? firstLine(failure.cause).slice(0, 400) : undefined,
    engineError,
    cleanupErrors,
    ms: Date.now() - t0,
  };
}
