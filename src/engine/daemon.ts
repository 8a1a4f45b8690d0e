// `minidock daemon`: one engine process for all containers. A lock (an abstract unix socket,
// released by the kernel when the process dies) keeps a second engine off the same state;
// SIGTERM closes the API and leaves containers running in their shims.
import net from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { MinidockError } from '../errors.js';
import { defaultPaths, engineSocket } from '../state/paths.js';
import { listen } from '../api/server.js';
import { Engine } from './engine.js';
import { ExecManager } from './exec.js';
import { realServices } from './wiring.js';
import { login } from './login.js';
import { tuneHeap } from './heap.js';
import { cliVersion } from '../cli/version.js';

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

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

export async function runDaemon(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  tuneHeap();
  const paths = defaultPaths(env);
  await fs.mkdir(paths.run, { recursive: true, mode: 0o711 });
  // Containers' remapped roots must traverse the state dir to their bind-mounted etc files.
  await fs.mkdir(paths.root, { recursive: true, mode: 0o711 });
  await fs.chmod(paths.root, 0o711);
  const lock = await acquireLock(paths.run);
  const pidFile = path.join(paths.run, 'minidock.pid');
  await fs.writeFile(pidFile, `${process.pid}\n`);
  const services = realServices(paths, env);
  const engine = new Engine(paths, services);
  await services.images.init();
  await engine.init();
  const api = await listen(engineSocket(env), {
    engine,
    execs: new ExecManager(engine),
    images: services.images,
    network: services.network,
    login: (server, creds) => login(services.imageService.credentials, server, creds),
    logout: (server) => services.imageService.credentials.remove(server),
    version: cliVersion(),
    log,
    debug: !!env.MINIDOCK_DEBUG,
  });
  log(`minidock engine ${cliVersion()} listening on unix://${api.socketPath} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log('shutting down: containers keep running');
  await api.close();
  await services.networkService.close?.();
  await fs.rm(pidFile, { force: true });
  lock.close();
  return 0;
}
