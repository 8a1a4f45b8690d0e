// What route handlers get: the engine and the services it fronts.
import type { Ctx, ANSWERED } from '../http.js';
import type { Engine } from '../../engine/engine.js';
import type { ExecManager } from '../../engine/exec.js';
import type { ImageServiceLike, NetworkServiceLike } from '../../engine/services.js';

export interface ApiDeps {
  engine: Engine;
  execs: ExecManager;
  images: ImageServiceLike;
  network: NetworkServiceLike;
  version: string;
  log?: (line: string) => void;
  /** Log every request with its duration (MINIDOCK_DEBUG=1). */
  debug?: boolean;
  /** Called when the last request in flight has been answered (upgraded connections not counted). */
  onIdle?: () => void;
}

export type Handler = (ctx: Ctx, deps: ApiDeps) => Promise<unknown | typeof ANSWERED>;
