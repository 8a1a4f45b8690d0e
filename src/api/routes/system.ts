// GET|HEAD /_ping, GET /version, GET /info, GET /events, POST /auth.
import os from 'node:os';
import { invalidArgument } from '../../errors.js';
import { parseEventFilters } from '../../engine/events.js';
import { sinceToNs } from '../../runtime/logs.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';
import { imageSummary } from './images.js';
import { containerStatus } from '../human.js';
import { API_VERSION, MIN_API_VERSION } from '../version.js';

/** `since`/`until` of /events: unix seconds with an optional fraction, or empty. */
function eventTime(v: string | null): bigint | undefined {
  return v === null || v === '' ? undefined : sinceToNs(v);
}

export function registerSystem(router: Router<Handler>): void {
  const ping: Handler = async (ctx) => {
    ctx.answered = true;
    ctx.req.resume();
    // docker answers a plain "OK" with the API version header.
    const res = ctx.stream('text/plain; charset=utf-8', { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' });
    res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
    return ANSWERED;
  };
  router.add('GET', '/_ping', ping).add('HEAD', '/_ping', ping);
  router.add('GET', '/version', async (_ctx, deps) => ({
    Platform: { Name: 'minidock' },
    Version: deps.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    KernelVersion: os.release(),
    GoVersion: `node ${process.version}`,
  }));
  router.add('GET', '/system/df', async (_ctx, { engine }) => {
    const df = await engine.diskUsage();
    const now = Date.now();
    return {
      LayersSize: df.layersSize,
      Images: df.images.map((i) => ({ ...imageSummary(i.image), Size: i.size, VirtualSize: i.size, SharedSize: i.sharedSize, Containers: i.containers })),
      Containers: df.containers.map(({ summary: c, sizeRw, sizeRootFs }) => ({
        ...c, SizeRw: sizeRw, SizeRootFs: sizeRootFs,
        Status: containerStatus({ status: c.State, exitCode: c.StateDetail.ExitCode, startedAt: c.StateDetail.StartedAt, finishedAt: c.StateDetail.FinishedAt, health: c.StateDetail.Health }, now),
      })),
      Volumes: df.volumes,
      BuildCache: [],
    };
  });
  // minidock has no builder, so no build cache: `docker system prune` (which always prunes the
  // builder too) gets dockerd's answer for an empty cache. Its filters are still checked as JSON.
  router.add('POST', '/build/prune', async (ctx) => {
    ctx.filters();
    return { CachesDeleted: null, SpaceReclaimed: 0 };
  });
  router.add('GET', '/info', async (_ctx, deps) => {
    const c = deps.engine.counts();
    return {
      ID: deps.engine.engineId(), Name: os.hostname(), ServerVersion: deps.version,
      Containers: c.total, ContainersRunning: c.running, ContainersPaused: c.paused, ContainersStopped: c.total - c.running - c.paused,
      Images: (await deps.images.list()).length,
      Driver: 'overlay', DriverStatus: [['Backing Filesystem', 'extfs'], ['Idmapped layers', 'true']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'cni', 'host', 'null'], Authorization: null, Log: ['json-file', 'local'] },
      MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: true,
      IPv4Forwarding: true, Debug: false, NFd: 0, NGoroutines: 0, SystemTime: new Date().toISOString(), LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs', NEventsListener: 0, KernelVersion: os.release(), OperatingSystem: 'minidock on Linux', OSVersion: '',
      OSType: 'linux', Architecture: os.machine(), NCPU: os.cpus().length, MemTotal: os.totalmem(),
      IndexServerAddress: 'https://index.docker.io/v1/', RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'] },
      DockerRootDir: deps.engine.paths.root, HttpProxy: '', HttpsProxy: '', NoProxy: '', Labels: [], ExperimentalBuild: false,
      Runtimes: { 'minidock-shim': { path: 'minidock-shim' } }, DefaultRuntime: 'minidock-shim', LiveRestoreEnabled: true, Isolation: '',
      InitBinary: '', SecurityOptions: ['name=seccomp,profile=builtin', 'name=userns'], Swarm: { LocalNodeState: 'inactive', ControlAvailable: false },
      Warnings: [],
    };
  });
  router.add('GET', '/events', async (ctx, { engine }) => {
    const since = eventTime(ctx.query.get('since'));
    const until = eventTime(ctx.query.get('until'));
    const filters = parseEventFilters(ctx.query.get('filters') ?? undefined);
    const res = ctx.stream('application/json');
    await new Promise<void>((resolve) => {
      const stop = engine.events({ since, until, filters }, (ev) => { if (!res.destroyed) res.write(`${JSON.stringify(ev)}\n`); }, () => { res.end(); resolve(); });
      res.once('close', () => { stop(); resolve(); });
    });
    return ANSWERED;
  });
  router.add('POST', '/auth', async (ctx, deps) => {
    const body = await ctx.body<{ username?: string; password?: string; serveraddress?: string }>();
    if (!body?.username || !body.serveraddress) throw invalidArgument('username and serveraddress are required');
    await deps.images.login(body.serveraddress, { username: body.username, password: body.password ?? '' });
    return { Status: 'Login Succeeded', IdentityToken: '' };
  });
  // Not in docker's API (its CLI edits config.json itself); here the engine owns the login file.
  router.add('POST', '/auth/logout', async (ctx, deps) => {
    const body = await ctx.body<{ serveraddress?: string }>();
    if (!body?.serveraddress) throw invalidArgument('serveraddress is required');
    return { Removed: await deps.images.logout(body.serveraddress) };
  });
}
