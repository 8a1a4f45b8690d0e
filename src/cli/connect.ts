// Getting a client: connect to the engine socket, starting the engine when it is absent.
// Several CLIs may find the socket absent at once. Only the one holding the start lock (an
// abstract unix socket named after the engine socket, released by the kernel when that CLI
// dies) spawns an engine, after checking once more that none answers; the others wait for
// the same /_ping. So a race starts one engine, not one per CLI whose losers then linger
// until they reach the engine's own lock (src/daemon/main.ts, which still guards against
// an engine started by hand).
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../api/client.js';
import { engineDidNotStart } from '../errors.js';
import { engineSocket } from '../state/paths.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const logFile = (env: NodeJS.ProcessEnv = process.env) => env.MINIDOCK_LOG ?? '/var/log/minidock.log';

/** The engine's environment: the CA bundle bin/minidock kept from the CLI goes back (registries use HTTPS). */
export function engineEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MINIDOCK_NODE_EXTRA_CA_CERTS: ca, ...rest } = env;
  return ca ? { ...rest, NODE_EXTRA_CA_CERTS: ca } : rest;
}

/** The start lock for `socketPath`, or undefined while another CLI holds it. */
async function tryStartLock(socketPath: string): Promise<net.Server | undefined> {
  // Loaded only here, like child_process below: most commands never start the engine.
  const [{ createServer }, { createHash }] = await Promise.all([import('node:net'), import('node:crypto')]);
  const name = `\0minidock-start-${createHash('sha256').update(path.resolve(socketPath)).digest('hex').slice(0, 32)}`;
  const server = createServer((s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen(name, () => resolve(server));
  });
}

interface Started { exit?: string }

async function startEngine(): Promise<Started> {
  const { spawn } = await import('node:child_process');
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/minidock');
  const log = fs.openSync(logFile(), 'a', 0o600);
  // --optimize-for-size from the start sizes the initial heap for it too (see src/engine/heap.ts,
  // which sets it at run time when the engine is started by hand).
  const child = spawn(process.execPath, ['--optimize-for-size', bin, 'daemon'], { detached: true, stdio: ['ignore', log, log], env: engineEnv(process.env) });
  fs.closeSync(log);
  const started: Started = {};
  child.once('exit', (code, signal) => { started.exit = signal ? `killed by ${signal}` : `exited with code ${code}`; });
  child.unref();
  return started;
}

/**
 * A client for the engine. Nothing is sent yet: the first request that finds the socket
 * absent or refusing starts the engine (unless autostart is off), waits for it, and retries.
 */
export async function connect(opts: { autostart?: boolean; timeoutMs?: number } = {}): Promise<EngineClient> {
  const socketPath = engineSocket();
  if (opts.autostart === false) return new EngineClient(socketPath);
  return new EngineClient(socketPath, () => waitForEngine(socketPath, opts.timeoutMs ?? 15_000));
}

async function waitForEngine(socketPath: string, timeoutMs: number): Promise<void> {
  const probe = new EngineClient(socketPath);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  const answers = () => probe.ping().then(() => true, (err: unknown) => { last = err; return false; });
  let lock: net.Server | undefined;
  let started: Started | undefined;
  try {
    for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
      if (!lock) {
        lock = await tryStartLock(socketPath);
        // Another CLI may have started the engine and let the lock go since our request failed.
        if (lock && !(await answers())) started = await startEngine();
      }
      if (await answers()) return;
      if (Date.now() >= deadline) break;
      await sleep(delay);
    }
  } finally {
    lock?.close();
  }
  const why = started?.exit ? `the engine ${started.exit}` : ((last as Error)?.message ?? 'no answer');
  throw engineDidNotStart(socketPath, why, logFile());
}
