// The engine's HTTP API on a unix socket (root only, mode 0660), docker-style paths.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Router } from './router.js';
import { ANSWERED, Ctx } from './http.js';
import type { ApiDeps, Handler } from './routes/deps.js';
import { registerSystem } from './routes/system.js';
import { registerContainers } from './routes/containers.js';
import { registerImages } from './routes/images.js';
import { registerNetworks } from './routes/networks.js';
import { registerExec } from './routes/exec.js';
import { registerVolumes } from './routes/volumes.js';
import { registerPolicies } from './routes/policies.js';
import { registerPods } from './routes/pods.js';
import { API_VERSION, requestVersion } from './version.js';

export function buildRouter(): Router<Handler> {
  const router = new Router<Handler>();
  registerSystem(router);
  registerContainers(router);
  registerImages(router);
  registerNetworks(router);
  registerExec(router);
  registerVolumes(router);
  registerPolicies(router);
  registerPods(router);
  return router;
}

async function dispatch(router: Router<Handler>, deps: ApiDeps, req: http.IncomingMessage, res?: http.ServerResponse, upgrade?: { socket: Duplex; head: Buffer }) {
  let ctx: Ctx | undefined;
  const t0 = performance.now();
  // until the answer is sent (the request's own close comes once its body is read; an upgrade has no response: its socket's close)
  if (deps.debug) (res ?? upgrade?.socket ?? req).once('close', () => deps.log?.(`${req.method} ${req.url} ${(performance.now() - t0).toFixed(1)}ms`));
  // dockerd sends these on every answer; clients negotiate the API version from Api-Version
  const headers: Record<string, string> = { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux', Server: `minidock/${deps.version} (linux)` };
  if (res) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  try {
    const url = new URL(req.url ?? '/', 'http://engine');
    const version = requestVersion(url.pathname);
    const { handler, params } = router.match(req.method ?? 'GET', url.pathname);
    ctx = new Ctx(req, params, res, upgrade, version);
    const result = await handler(ctx, deps);
    if (result !== ANSWERED && !ctx.answered) ctx.json(result === undefined ? 204 : 200, result);
  } catch (err) {
    (ctx ?? new Ctx(req, {}, res, upgrade)).error(err);
    deps.log?.(`${req.method} ${req.url}: ${(err as Error).message}`);
  }
}

export interface ApiServer { close(): Promise<void>; socketPath: string }

/**
 * Serves the API on `socketPath`, created here (mode 0660), or on an already listening socket
 * handed over by systemd (`activatedFd`), which systemd owns: it is neither made nor removed here.
 */
export async function listen(socketPath: string, deps: ApiDeps, activatedFd?: number): Promise<ApiServer> {
  const router = buildRouter();
  let inFlight = 0;
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    inFlight++;
    res.once('close', () => { if (--inFlight === 0) deps.onIdle?.(); });
    void dispatch(router, deps, req, res);
  });
  server.on('upgrade', (req, socket, head) => void dispatch(router, deps, req, undefined, { socket, head }));
  // Hijacked (upgraded) connections are no longer the http server's, but still hold
  // server.close() open: they are tracked here and destroyed at close.
  const sockets = new Set<Duplex>();
  server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  if (activatedFd === undefined) {
    await fs.mkdir(path.dirname(socketPath), { recursive: true });
    // A socket file left by a dead engine would make listen fail with EADDRINUSE.
    await fs.rm(socketPath, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => { server.off('error', reject); resolve(); };
    if (activatedFd === undefined) server.listen(socketPath, done);
    else server.listen({ fd: activatedFd }, done);
  });
  if (activatedFd === undefined) await fs.chmod(socketPath, 0o660);
  return {
    socketPath,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
      if (activatedFd === undefined) await fs.rm(socketPath, { force: true });
    },
  };
}
