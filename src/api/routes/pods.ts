// /minidock/pods/*: minidock's own pod API (docker has no pods; docker clients see the pods'
// containers, labelled minidock.pod=<name>, and the holders, labelled minidock.pod.infra=true).
import { invalidArgument } from '../../errors.js';
import type { PodCreateRequest } from '../../wire/pods.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';

export function registerPods(router: Router<Handler>): void {
  router.add('GET', '/minidock/pods', async (_ctx, { engine }) => engine.listPods());
  router.add('POST', '/minidock/pods/create', async (ctx, { engine }) => {
    const body = (await ctx.body<PodCreateRequest>()) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('request body must be a json object');
    ctx.json(201, await engine.createPod(body));
    return ANSWERED;
  });
  router.add('GET', '/minidock/pods/{name}', async (ctx, { engine }) => engine.inspectPod(ctx.params.name!));
  router.add('POST', '/minidock/pods/{name}/start', async (ctx, { engine }) => { await engine.startPod(ctx.params.name!); return undefined; });
  router.add('POST', '/minidock/pods/{name}/stop', async (ctx, { engine }) => { await engine.stopPod(ctx.params.name!, ctx.int('t')); return undefined; });
  router.add('DELETE', '/minidock/pods/{name}', async (ctx, { engine }) => { await engine.removePod(ctx.params.name!, ctx.flag('force')); return undefined; });
}
