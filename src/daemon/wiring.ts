// Plugs the real image, runtime, network, volume and cgroup services into the engine's interfaces
// (src/engine/services.ts). The image and network services fit as they are; the runtime's
// attach stream and helpers are adapted here.
import { ImageService } from '../image/index.js';
import { Runtime, resolveUser, defaultIdMapping, idMappingFrom, processRunning, AttachStream } from '../runtime/index.js';
import { NetworkService, type NetworkServiceOptions } from '../network/index.js';
import type { Paths } from '../state/paths.js';
import { readFileSync } from 'node:fs';
import { VolumeService, type InUse } from '../volume/index.js';
import { Cgroups, type CgroupLayout } from '../runtime/cgroups/index.js';
import type { AttachStreamLike, CgroupServiceLike, RuntimeLike, Services, VolumeServiceLike } from '../engine/services.js';

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

export function runtimeAdapter(rt: Runtime, env: NodeJS.ProcessEnv): RuntimeLike {
  return {
    start: (spec, beforeExec, mark) => rt.start(spec, beforeExec, mark),
    waitExit: (id) => rt.waitExit(id),
    idle: () => rt.idle(),
    attach: async (id) => adaptAttach(await rt.attach(id)),
    kill: (pid, sig) => rt.kill(pid, sig),
    readExit: (p) => rt.readExit(p),
    exec: (id, pid, spec) => rt.exec(id, pid, spec),
    resolveUser: (layerDirs, user) => resolveUser([...layerDirs].reverse(), user),
    defaultUserns: () => defaultIdMapping(env),
    isAlive: processRunning,
    liveShim: (id) => rt.liveShim(id),
    killShim: (pid) => rt.killShim(pid),
  };
}

/** Network options from the environment, so tests can use their own bridge/table/subnet. */
export function networkOptions(env: NodeJS.ProcessEnv): NetworkServiceOptions {
  const o: NetworkServiceOptions = {};
  if (env.MINIDOCK_BRIDGE) o.defaultBridge = env.MINIDOCK_BRIDGE;
  if (env.MINIDOCK_BRIDGE_SUBNET) o.defaultSubnet = env.MINIDOCK_BRIDGE_SUBNET;
  if (env.MINIDOCK_NFT_TABLE) o.nftTable = env.MINIDOCK_NFT_TABLE;
  if (env.MINIDOCK_DNS_PORT) o.dnsPort = Number(env.MINIDOCK_DNS_PORT);
  if (env.MINIDOCK_CNI_CONF_DIR) o.cniConfDir = env.MINIDOCK_CNI_CONF_DIR;
  if (env.MINIDOCK_CNI_PATH) o.cniPath = env.MINIDOCK_CNI_PATH.split(':').filter(Boolean);
  return o;
}

/** The volume service, owned by the container root's host ids (the default user namespace's 0). */
export function volumeService(paths: Paths, env: NodeJS.ProcessEnv): VolumeServiceLike {
  const read = (f: string) => { try { return readFileSync(f, 'utf8'); } catch { return undefined; /* no subid file: the default range */ } };
  const maps = idMappingFrom(env, read('/etc/subuid'), read('/etc/subgid'));
  let inUse: InUse = () => [];
  const svc = new VolumeService(paths, { owner: { uid: maps.uidMap[0]!.hostId, gid: maps.gidMap[0]!.hostId }, inUse: (n) => inUse(n) });
  return Object.assign(svc, { setInUse: (fn: InUse) => { inUse = fn; } });
}

/** Cgroups.detect() once (MINIDOCK_CGROUP_PARENT picks the parent); a failure is retried on the next use. */
export function cgroupService(env: NodeJS.ProcessEnv): CgroupServiceLike {
  let detected: Promise<CgroupLayout> | undefined;
  return {
    layout: () => {
      if (!detected) {
        detected = Cgroups.detect({}, env);
        detected.catch(() => { detected = undefined; }); // not cached when it fails; callers still get the rejection
      }
      return detected;
    },
  };
}

export function realServices(paths: Paths, env: NodeJS.ProcessEnv): Services & { networkService: NetworkService } {
  const images = new ImageService(paths); // reads MINIDOCK_INSECURE_REGISTRIES itself
  const networkService = new NetworkService(paths, networkOptions(env));
  return { images, runtime: runtimeAdapter(new Runtime(paths), env), network: networkService, volumes: volumeService(paths, env), cgroups: cgroupService(env), networkService };
}
