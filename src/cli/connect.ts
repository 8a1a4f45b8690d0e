// Getting a client: connect to the engine socket, starting the engine when it is absent.
// Two CLIs may race to start it; the engine's own lock lets only one survive, and both
// CLIs then wait for the same /_ping.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../api/client.js';
import { MinidockError } from '../errors.js';
import { engineSocket } from '../state/paths.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const logFile = (env: NodeJS.ProcessEnv = process.env) => env.MINIDOCK_LOG ?? '/var/log/minidock.log';

/** The engine's environment: the CA bundle bin/minidock kept from the CLI goes back (registries use HTTPS). */
export function engineEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MINIDOCK_NODE_EXTRA_CA_CERTS: ca, ...rest } = env;
  return ca ? { ...rest, NODE_EXTRA_CA_CERTS: ca } : rest;
}

async function startEngine(): Promise<void> {
  // child_process is loaded only here: most commands never start the engine.
  const { spawn } = await import('node:child_process');
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/minidock');
  const log = fs.openSync(logFile(), 'a', 0o600);
  // --optimize-for-size from the start sizes the initial heap for it too (see src/engine/heap.ts,
  // which sets it at run time when the engine is started by hand).
  const child = spawn(process.execPath, ['--optimize-for-size', bin, 'daemon'], { detached: true, stdio: ['ignore', log, log], env: engineEnv(process.env) });
  child.unref();
  fs.closeSync(log);
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
  await startEngine();
  const probe = new EngineClient(socketPath);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    await sleep(delay);
    try {
      await probe.ping();
      return;
    } catch (err) {
      last = err;
    }
  }
  throw new MinidockError('Internal', `the minidock engine did not come up on unix://${socketPath} (see ${logFile()}): ${(last as Error)?.message ?? 'no answer'}`);
}
