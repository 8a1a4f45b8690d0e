// /volumes/*: list (filters), create, inspect, remove (?force), prune (filters), as the Engine API.
import { invalidArgument } from '../../errors.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';
import { versionBelow } from '../version.js';

interface VolumeCreateBody { Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> | null }

export function registerVolumes(router: Router<Handler>): void {
  router.add('GET', '/volumes', async (ctx, { engine }) => engine.listVolumes(ctx.filters()));
  router.add('POST', '/volumes/create', async (ctx, { engine }) => {
    const body = (await ctx.body<VolumeCreateBody>()) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('request body must be a json object');
    const info = await engine.createVolume({ name: body.Name ?? '', driver: body.Driver, driverOpts: body.DriverOpts, labels: body.Labels });
    ctx.json(201, info);
    return ANSWERED;
  });
  router.add('POST', '/volumes/prune', async (ctx, { engine }) => {
    const filters = ctx.filters() ?? {};
    // API 1.42 made prune take anonymous volumes only; older clients (docker CLI 20.10 speaks
    // 1.41) still mean every unused local volume, as dockerd keeps it for them
    if (versionBelow(ctx.version, '1.42') && !('all' in filters)) filters.all = ['true'];
    return engine.pruneVolumes(filters);
  });
  router.add('GET', '/volumes/{name}', async (ctx, { engine }) => engine.inspectVolume(ctx.params.name!));
  router.add('DELETE', '/volumes/{name}', async (ctx, { engine }) => {
    await engine.removeVolume(ctx.params.name!, ctx.flag('force'));
    return undefined;
  });
}
