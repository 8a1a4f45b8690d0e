// The prunes: POST /containers/prune, /images/prune and /networks/prune, with dockerd's rules
// and answers (volumes: volumes.ts). Each refuses a filter it does not know, as dockerd.
import path from 'node:path';
import { treeSize } from '../volume/service.js';
import { sinceParam } from '../wire/since.js';
import { sinceToNs } from '../runtime/logs.js';
import type { EngineCore } from './core.js';
import { labelMatches, parseFilters } from './container-filters.js';
import { removeContainer } from './remove.js';
import { invalidArgument } from '../errors.js';

function untilMs(f: Record<string, string[]>): number[] | undefined {
  return f.until?.map((u) => Number(sinceToNs(sinceParam(u, Date.now())) / 1_000_000n));
}

function labelsPass(f: Record<string, string[]>, labels: Record<string, string>): boolean {
  if (f.label && !f.label.every((l) => labelMatches(labels, l))) return false;
  if (f['label!'] && f['label!'].some((l) => labelMatches(labels, l))) return false;
  return true;
}

/** Every stopped container passing `label`/`label!`/`until`. */
export async function pruneContainers(core: EngineCore, rawFilters: string | null): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
  const f = parseFilters(rawFilters, ['label', 'label!', 'until']);
  const until = untilMs(f);
  const gone: string[] = [];
  let reclaimed = 0;
  for (const r of core.store.all()) {
    if (r.State.Status !== 'exited' && r.State.Status !== 'created') continue;
    if (r.Hold) continue; // a pod's holder goes with its pod
    if (!labelsPass(f, r.Config.Labels ?? {})) continue;
    if (until && !until.every((t) => Date.parse(r.Created) < t)) continue;
    const size = await treeSize(path.join(core.store.dir(r.Id), 'upper'));
    await removeContainer(core, r.Id, {});
    gone.push(r.Id);
    reclaimed += size;
  }
  core.emitOther('container', 'prune', '', { reclaimed: String(reclaimed) });
  return { ContainersDeleted: gone, SpaceReclaimed: reclaimed };
}

/**
 * Images no container uses: only dangling ones (no name) unless `dangling=false` (`-a`), passing
 * `label`/`label!`/`until`. Answers each untag and delete as rmi does.
 */
export async function pruneImages(core: EngineCore, rawFilters: string | null): Promise<{ ImagesDeleted: ({ Untagged: string } | { Deleted: string })[]; SpaceReclaimed: number }> {
  const f = parseFilters(rawFilters, ['dangling', 'label', 'label!', 'until']);
  const dangling = f.dangling?.[0] ?? 'true';
  if (!['true', 'false', '1', '0'].includes(dangling)) throw invalidArgument(`invalid filter 'dangling=${dangling}'`);
  const onlyDangling = dangling === 'true' || dangling === '1';
  const until = untilMs(f);
  const { images } = core.services;
  const used = new Set(core.store.all().map((r) => r.Image));
  const out: ({ Untagged: string } | { Deleted: string })[] = [];
  let reclaimed = 0;
  for (const img of await images.list()) {
    if (used.has(img.id)) continue;
    if (onlyDangling && img.repoTags.length > 0) continue;
    if (!labelsPass(f, img.config.Labels ?? {})) continue;
    if (until && !until.every((t) => Date.parse(img.created) < t)) continue;
    const res = await images.remove(img.id, { force: true, inUse: (id) => used.has(id) });
    for (const u of res.untagged) { out.push({ Untagged: u }); core.emitOther('image', 'untag', u, { name: u }); }
    for (const d of res.deleted) out.push({ Deleted: d });
    if (res.deleted[0]) core.emitOther('image', 'delete', res.deleted[0], { name: res.deleted[0] });
    reclaimed += img.size;
  }
  core.emitOther('image', 'prune', '', { reclaimed: String(reclaimed) });
  return { ImagesDeleted: out, SpaceReclaimed: reclaimed };
}

/** User networks no container (running or not) refers to, passing `label`/`label!`/`until`. */
export async function pruneNetworks(core: EngineCore, rawFilters: string | null): Promise<{ NetworksDeleted: string[] }> {
  const f = parseFilters(rawFilters, ['label', 'label!', 'until']);
  const until = untilMs(f);
  const { network } = core.services;
  const referenced = new Set<string>();
  for (const r of core.store.all()) {
    for (const n of Object.keys(r.Networks ?? {})) referenced.add(n);
    referenced.add(r.HostConfig.NetworkMode);
  }
  const gone: string[] = [];
  for (const net of await network.list()) {
    if (net.builtin || referenced.has(net.name) || referenced.has(net.id) || Object.keys(net.endpoints).length) continue;
    if (!labelsPass(f, net.labels ?? {})) continue;
    if (until && !until.every((t) => Date.parse(net.created) < t)) continue;
    await network.remove(net.id);
    core.emitOther('network', 'destroy', net.id, { name: net.name, type: net.driver });
    gone.push(net.name);
  }
  core.emitOther('network', 'prune', '', {});
  return { NetworksDeleted: gone };
}
