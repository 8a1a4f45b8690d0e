// Adapts the real image, runtime and network services to the engine's interfaces
// (services.ts). The only engine file that imports those modules.
import { ImageService } from '../image/index.js';
import { Runtime, resolveProcess, resolveUser, withHome, defaultIdMapping, AttachStream } from '../runtime/index.js';
import { NetworkService, type NetworkServiceOptions } from '../network/index.js';
import type { Paths } from '../state/paths.js';
import type { AttachStreamLike, NetworkServiceLike, RuntimeLike, Services, ImageServiceLike } from './services.js';

function adaptAttach(s: AttachStream): AttachStreamLike {
  return {
    onData: (cb) => { s.on('frame', (f: { stream: 1 | 2; data: Buffer }) => cb(f.stream, f.data)); },
    onEnd: (cb) => { s.once('end', cb); },
    write: (d) => s.write(d),
    closeStdin: () => s.closeStdin(),
    resize: (rows, cols) => s.resize(rows, cols),
    close: () => s.close(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runtimeAdapter(rt: Runtime, env: NodeJS.ProcessEnv): RuntimeLike {
  return {
    start: (spec, beforeExec) => rt.start(spec, beforeExec),
    waitExit: (id) => rt.waitExit(id),
    attach: async (id) => adaptAttach(await rt.attach(id)),
    kill: (pid, sig) => rt.kill(pid, sig),
    readExit: (p) => rt.readExit(p),
    exec: (id, pid, opts) => rt.exec(id, pid, opts),
    resolveProcess: async (input) => {
      // The record already holds the merged Entrypoint/Cmd, so both are passed explicitly.
      const p = resolveProcess(input.image, {
        entrypoint: input.entrypoint ?? [], cmd: input.cmd ?? [], env: input.env,
        workingDir: input.workingDir, user: input.user, tty: input.tty, hostname: input.hostname,
      });
      const user = await resolveUser([...input.layerDirs].reverse(), p.user);
      return { args: p.args, env: withHome(p.env, user.home), cwd: p.cwd, uid: user.uid, gid: user.gid, additionalGids: user.additionalGids };
    },
    defaultUserns: () => defaultIdMapping(env),
    isAlive,
    // Mounts live in the container's own mount namespace and go with it; nothing to undo here.
    cleanup: async () => undefined,
  };
}

export function networkAdapter(n: NetworkService): NetworkServiceLike {
  return {
    init: async (alive) => {
      const out = (await n.init(alive)) as { warnings?: string[] } | void;
      for (const w of out?.warnings ?? []) process.stderr.write(`${new Date().toISOString()} network: ${w}\n`);
    },
    create: (o) => n.create(o),
    list: () => n.list(),
    get: (x) => n.get(x),
    remove: async (x) => { await n.remove(x); },
    reservePorts: (ports, containerId) => n.reservePorts(containerId, ports),
    connect: (net, req) => n.connect(net, req),
    disconnect: (net, id) => n.disconnect(net, id),
    setupLoopback: (pid) => n.setupLoopback(pid),
    releaseContainer: (id) => n.releaseContainer(id),
    resolvConf: (name) => n.resolvConf(name),
  };
}

/** Network options from the environment, so tests can use their own bridge/table/subnet. */
export function networkOptions(env: NodeJS.ProcessEnv): NetworkServiceOptions {
  const o: NetworkServiceOptions = {};
  if (env.MINIDOCK_BRIDGE) o.defaultBridge = env.MINIDOCK_BRIDGE;
  if (env.MINIDOCK_BRIDGE_SUBNET) o.defaultSubnet = env.MINIDOCK_BRIDGE_SUBNET;
  if (env.MINIDOCK_NFT_TABLE) o.nftTable = env.MINIDOCK_NFT_TABLE;
  if (env.MINIDOCK_DNS_PORT) o.dnsPort = Number(env.MINIDOCK_DNS_PORT);
  return o;
}

export function realServices(paths: Paths, env: NodeJS.ProcessEnv): Services & { imageService: ImageService; networkService: NetworkService } {
  const imageService = new ImageService(paths); // reads MINIDOCK_INSECURE_REGISTRIES itself
  const networkService = new NetworkService(paths, networkOptions(env));
  const images: ImageServiceLike = imageService;
  return { images, runtime: runtimeAdapter(new Runtime(paths), env), network: networkAdapter(networkService), imageService, networkService };
}
