// `minidock daemon`: the one engine process for all containers. It takes the engine lock,
// wires the real image, runtime and network services into the engine, serves the API on the
// unix socket, and on SIGTERM closes the API leaving containers running in their shims.
import fs from 'node:fs/promises';
import path from 'node:path';
import { MinidockError } from '../errors.js';
import { defaultPaths, engineSocket } from '../state/paths.js';
import { listen } from '../api/server.js';
import { Engine } from '../engine/engine.js';
import { ExecManager } from '../engine/exec.js';
import { version } from '../version.js';
import { acquireLock } from './lock.js';
import { realServices } from './wiring.js';
import { tuneHeap } from './heap.js';
import { activatedSocket } from './activation.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

export async function runDaemon(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  tuneHeap();
  const activated = activatedSocket(env);
  const paths = defaultPaths(env);
  await fs.mkdir(paths.run, { recursive: true, mode: 0o711 });
  // Containers' remapped roots must traverse the state dir to their bind-mounted etc files.
  await fs.mkdir(paths.root, { recursive: true, mode: 0o711 });
  await fs.chmod(paths.root, 0o711);
  const lock = await acquireLock(paths.run);
  const pidFile = path.join(paths.run, 'minidock.pid');
  await fs.writeFile(pidFile, `${process.pid}\n`);
  const services = realServices(paths, env);
  const engine = new Engine(paths, services, { log });
  await services.images.init();
  await engine.init();
  const api = await listen(engineSocket(env), {
    engine,
    execs: new ExecManager(engine),
    images: services.images,
    network: services.network,
    version: version(),
    log,
    debug: !!env.MINIDOCK_DEBUG,
    onIdle: () => services.runtime.idle?.(),
  }, activated);
  log(`minidock engine ${version()} listening on unix://${api.socketPath}${activated === undefined ? '' : ' (socket-activated)'} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log('shutting down: containers keep running');
  await api.close();
  let code = 0;
  try {
    await services.networkService.close();
  } catch (err) {
    log(`shutdown: ${(err as Error).message}`);
    code = 1;
  }
  await fs.rm(pidFile, { force: true });
  lock.close();
  return code;
}

/** bin/minidock's entry for `minidock daemon`: one line on failure, docker's exit code. */
export async function daemonMain(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write(`minidock daemon: unknown argument: ${args[0]}\n`);
    return 125;
  }
  try {
    return await runDaemon();
  } catch (err) {
    process.stderr.write(`minidock daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof MinidockError ? err.exitCode : 125;
  }
}
