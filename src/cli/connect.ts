// Getting a client: connect to the engine socket, starting the engine when it is absent.
// Two CLIs may race to start it; the engine's own lock lets only one survive, and both
// CLIs then wait for the same /_ping.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../api/client.js';
import { EngineUnavailable, MinidockError } from '../errors.js';
import { engineSocket } from '../state/paths.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const logFile = (env: NodeJS.ProcessEnv = process.env) => env.MINIDOCK_LOG ?? '/var/log/minidock.log';

function startEngine(): void {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/minidock');
  const log = fs.openSync(logFile(), 'a', 0o600);
  const child = spawn(process.execPath, [bin, 'daemon'], { detached: true, stdio: ['ignore', log, log], env: process.env });
  child.unref();
  fs.closeSync(log);
}

export async function connect(opts: { autostart?: boolean; timeoutMs?: number } = {}): Promise<EngineClient> {
  const client = new EngineClient(engineSocket());
  try {
    await client.ping();
    return client;
  } catch (err) {
    if (!(err instanceof EngineUnavailable) || opts.autostart === false) throw err;
  }
  startEngine();
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    await sleep(delay);
    try {
      await client.ping();
      return client;
    } catch (err) {
      last = err;
    }
  }
  throw new MinidockError('Internal', `the minidock engine did not come up on unix://${client.socketPath} (see ${logFile()}): ${(last as Error)?.message ?? 'no answer'}`);
}
