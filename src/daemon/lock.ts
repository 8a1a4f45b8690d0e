// The engine lock: an abstract unix socket named after the run dir, released by the kernel
// when the process dies, so a second engine can never run on the same state.
import net from 'node:net';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { MinidockError } from '../errors.js';

/** Holds the engine lock for `runDir`; throws when another engine has it. */
export async function acquireLock(runDir: string): Promise<net.Server> {
  const name = `\0minidock-engine-${createHash('sha256').update(path.resolve(runDir)).digest('hex').slice(0, 32)}`;
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new MinidockError('Conflict', `another minidock engine is already running for ${runDir}`, { status: 409 }) : err);
    });
    server.listen(name, () => resolve());
  });
  server.unref();
  return server;
}
