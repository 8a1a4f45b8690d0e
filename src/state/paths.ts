// Where minidock keeps things. MINIDOCK_ROOT / MINIDOCK_RUN let tests use throwaway dirs.
import path from 'node:path';

export interface Paths {
  /** Persistent state: images, containers, networks. */
  root: string;
  /** Runtime state that dies with the boot: sockets, pid files. */
  run: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  return {
    root: env.MINIDOCK_ROOT ?? '/var/lib/minidock',
    run: env.MINIDOCK_RUN ?? '/run/minidock',
  };
}

export const imageRoot = (p: Paths) => path.join(p.root, 'image');
export const containersRoot = (p: Paths) => path.join(p.root, 'containers');
export const podsRoot = (p: Paths) => path.join(p.root, 'pods');
export const networksRoot = (p: Paths) => path.join(p.root, 'networks');
/** The engine's API socket (Docker's is /run/docker.sock). */
export const engineSocket = (env: NodeJS.ProcessEnv = process.env) => env.MINIDOCK_HOST ?? '/run/minidock.sock';
export const volumesRoot = (p: Paths) => path.join(p.root, 'volumes');
/** Network namespaces pinned by bind mounts while a CNI attachment lives (network/cni/netns.ts). */
export const netnsRoot = (p: Paths) => path.join(p.run, 'netns');
