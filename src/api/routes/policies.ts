// minidock's own API for network policies (no Docker counterpart): /minidock/policies
// (list, apply, inspect, remove) and /minidock/containers/{id}/labels (labels drive which
// policies select a container). Bodies are the types of src/wire/policies.ts.
import { invalidArgument } from '../../errors.js';
import type { LabelUpdateBody, PolicyApplyBody } from '../../wire/policies.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';

export function registerPolicies(router: Router<Handler>): void {
  router.add('GET', '/minidock/policies', async (_ctx, { engine }) => engine.listPolicies());
  router.add('POST', '/minidock/policies', async (ctx, { engine }) => {
    const body = await ctx.body<PolicyApplyBody>();
    if (!body || typeof body !== 'object' || !Array.isArray(body.Documents)) throw invalidArgument('request body must be a json object with a Documents list');
    return engine.applyPolicies(body.Documents);
  });
  // namespace/name: the route's {ref} is one segment, so the pair travels as ?namespace=
  router.add('GET', '/minidock/policies/{name}', async (ctx, { engine }) => engine.inspectPolicy(refOf(ctx.params.name!, ctx.query.get('namespace'))));
  router.add('DELETE', '/minidock/policies/{name}', async (ctx, { engine }) => {
    await engine.removePolicy(refOf(ctx.params.name!, ctx.query.get('namespace')));
    return undefined;
  });
  router.add('POST', '/minidock/containers/{id}/labels', async (ctx, { engine }) => {
    const body = await ctx.body<LabelUpdateBody>();
    if (!body || typeof body !== 'object' || typeof body.Labels !== 'object' || body.Labels === null) throw invalidArgument('request body must be a json object with Labels');
    await engine.updateLabels(ctx.params.id!, body.Labels);
    return undefined;
  });
}

const refOf = (name: string, namespace: string | null) => (namespace ? `${namespace}/${name}` : name);
