// Pods (podman's, Kubernetes'): containers that share one network namespace (and IPC, UTS as
// asked) and talk over 127.0.0.1. The namespaces are held by the pod's holder, a container
// record with no image whose shim runs in hold mode (no command); ports are published, the
// network joined and /etc/hosts, hostname, resolv.conf written for the holder, which its
// members share (namespaces.ts podJoin: run --pod). The holder is started, stopped,
// reconciled and torn down by the container operations; this file orders them per pod.
import fs from 'node:fs/promises';
import path from 'node:path';
import { conflict, invalidArgument, MinidockError, TeardownError } from '../errors.js';
import type { EngineCore } from './core.js';
import { networkModeName, newRecord } from './create.js';
import { newId, normaliseName, randomName } from './names.js';
import { POD_INFRA_LABEL, POD_LABEL } from './namespaces.js';
import { POD_SHARES, type PodRecord, type PodShare } from './pod-store.js';
import type { ContainerRecord } from './record.js';
import { removeContainer } from './remove.js';
import type { PodCreateRequest, PodInspect, PodStatus, PodSummary } from '../wire/pods.js';
import { bindingsToMappings } from '../wire/ports.js';
import { stopContainer } from './stop.js';

/** Which namespaces a pod shares: a subset of net,ipc,uts that holds net. Pure. */
export function parseShare(share: string[] | undefined): PodShare[] {
  if (share === undefined) return [...POD_SHARES];
  if (!Array.isArray(share) || share.some((x) => typeof x !== 'string')) throw invalidArgument('Share: not a list of strings');
  const out: PodShare[] = [];
  for (const s of share.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    if (!POD_SHARES.includes(s as PodShare)) throw invalidArgument(`--share ${s}: not one of ${POD_SHARES.join(', ')}`);
    if (!out.includes(s as PodShare)) out.push(s as PodShare);
  }
  // ports are published at the pod, its members reach each other on loopback: net is the pod
  if (!out.includes('net')) throw invalidArgument(`--share ${share.join(',')}: a pod always shares net`);
  return out;
}

/** The pod's state from its holder's. Pure. */
export function podStatus(holder: Pick<ContainerRecord, 'State'> | undefined): PodStatus {
  if (!holder) return 'Exited';
  if (holder.State.Status === 'running') return 'Running';
  return holder.State.Status === 'created' ? 'Created' : 'Exited';
}

/** The pod's containers (not its holder), oldest first. */
export function podMembers(core: EngineCore, pod: PodRecord): ContainerRecord[] {
  return core.store.all().filter((r) => r.Pod === pod.Id && !r.Hold).sort((a, b) => a.Created.localeCompare(b.Created));
}

const infraName = (podName: string) => `/${podName.slice(1)}-infra`;

export async function createPod(core: EngineCore, req: PodCreateRequest): Promise<{ Id: string }> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) throw invalidArgument('request body must be a json object');
  const known = ['Name', 'Labels', 'Hostname', 'Network', 'PortBindings', 'Share'];
  for (const k of Object.keys(req)) if (!known.includes(k)) throw invalidArgument(`pod create: unsupported field ${k}`);
  const share = parseShare(req.Share);
  const network = req.Network || 'bridge';
  const mode = networkModeName(network);
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) throw invalidArgument(`--network ${network}: a pod needs a network of its own (a bridge network)`);
  if (mode !== 'bridge') await core.services.network.get(mode);
  if (req.Hostname !== undefined && req.Hostname !== '' && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(req.Hostname)) throw invalidArgument(`--hostname ${req.Hostname}: not a valid hostname`);
  // the Engine API's port codec refuses a bad binding now, not at the pod's first start
  if (req.PortBindings !== undefined && (typeof req.PortBindings !== 'object' || req.PortBindings === null || Array.isArray(req.PortBindings))) throw invalidArgument('PortBindings: not an object');
  bindingsToMappings(req.PortBindings ?? {});
  if (req.Labels !== undefined && (typeof req.Labels !== 'object' || req.Labels === null || Object.values(req.Labels).some((v) => typeof v !== 'string'))) throw invalidArgument('Labels: not an object of strings');
  const userns = await core.services.runtime.defaultUserns();
  const now = new Date().toISOString();
  return core.nameLock.run(async () => {
    let name: string;
    if (req.Name) {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(req.Name)) throw invalidArgument(`invalid pod name (${req.Name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      name = normaliseName(req.Name);
      if (core.pods.all().some((p) => p.Name === name)) throw new MinidockError('NameInUse', `pod name "${name.slice(1)}" is already in use`, { status: 409 });
    } else {
      let retry = 0;
      do name = `/${randomName(retry++)}`; while (core.pods.all().some((p) => p.Name === name) || core.store.all().some((r) => r.Name === infraName(name)));
    }
    core.store.assertNameFree(infraName(name));
    const pod: PodRecord = { Id: newId(), Name: name, Created: now, Labels: { ...(req.Labels ?? {}) }, Share: share, InfraId: newId() };
    const holder = newRecord({
      id: pod.InfraId, name: infraName(name), image: { id: '', config: {} }, userns, now, hold: true,
      body: {
        Image: '', Hostname: req.Hostname || name.slice(1),
        Labels: { [POD_LABEL]: name.slice(1), [POD_INFRA_LABEL]: 'true' },
        // members join it with --ipc container:, which docker allows only from a shareable donor
        HostConfig: { NetworkMode: network, PortBindings: req.PortBindings ?? {}, IpcMode: share.includes('ipc') ? 'shareable' : 'private' },
      },
    });
    holder.Pod = pod.Id;
    holder.Config.Cmd = null;
    holder.Config.Entrypoint = null;
    const dir = core.store.dir(holder.Id);
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      for (const sub of ['upper', 'work']) await fs.mkdir(path.join(dir, sub), { mode: 0o755 });
      // the holder first: a pod record always names a holder that exists (reconcilePods)
      await core.store.save(holder);
      await core.pods.save(pod);
    } catch (err) {
      await core.teardownLogged(`undo of the failed create of pod ${name.slice(1)}`, [() => core.store.delete(holder.Id), () => core.pods.delete(pod.Id)]);
      throw err;
    }
    core.emit(holder, 'create');
    return { Id: pod.Id };
  });
}

function holderOf(core: EngineCore, pod: PodRecord): ContainerRecord {
  const h = core.store.maybe(pod.InfraId);
  if (!h) throw new MinidockError('Internal', `pod ${pod.Name.slice(1)} has lost its holder ${pod.InfraId}`, { status: 500 });
  return h;
}

export function inspectPod(core: EngineCore, ref: string): PodInspect {
  const pod = core.pods.find(ref);
  const h = core.store.maybe(pod.InfraId);
  return {
    Id: pod.Id, Name: pod.Name.slice(1), Created: pod.Created, State: podStatus(h), Labels: pod.Labels, Share: pod.Share,
    Hostname: h?.Config.Hostname ?? '', Network: h ? networkModeName(h.HostConfig.NetworkMode) : '',
    InfraContainerId: pod.InfraId, Ports: h?.Ports ?? [], PortBindings: h?.HostConfig.PortBindings ?? {},
    Containers: podMembers(core, pod).map((r) => ({ Id: r.Id, Name: r.Name.slice(1), State: r.State.Status })),
  };
}

export function listPods(core: EngineCore): PodSummary[] {
  return core.pods.all()
    .sort((a, b) => b.Created.localeCompare(a.Created))
    .map((p) => ({ Id: p.Id, Name: p.Name.slice(1), Status: podStatus(core.store.maybe(p.InfraId)), Created: p.Created, Containers: podMembers(core, p).length, Labels: p.Labels }));
}

/** Runs every step; the failures come back together (none dropped). */
async function all(what: string, steps: (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const r of await Promise.allSettled(steps.map((s) => s()))) if (r.status === 'rejected') errors.push(r.reason);
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new TeardownError(what, errors);
}

/** The holder first (its namespaces), then the containers that are not running. */
export async function startPod(core: EngineCore, ref: string, start: (id: string) => Promise<void>): Promise<void> {
  const pod = core.pods.find(ref);
  await start(holderOf(core, pod).Id);
  const waiting = podMembers(core, pod).filter((r) => r.State.Status !== 'running');
  await all(`start of pod ${pod.Name.slice(1)}`, waiting.map((r) => () => start(r.Id)));
}

/** A pod's container starts its pod's holder first when it is down (podman does the same). */
export async function startInPod(core: EngineCore, ref: string, start: (id: string) => Promise<void>): Promise<void> {
  const rec = core.store.find(ref);
  const pod = rec.Pod !== undefined && !rec.Hold ? core.pods.maybe(rec.Pod) : undefined;
  if (pod && holderOf(core, pod).State.Status !== 'running') await start(pod.InfraId);
  await start(rec.Id);
}

/** The containers first (they use the namespaces), then the holder. */
export async function stopPod(core: EngineCore, ref: string, timeoutSec?: number): Promise<void> {
  const pod = core.pods.find(ref);
  await all(`stop of pod ${pod.Name.slice(1)}`, podMembers(core, pod).map((r) => () => stopContainer(core, r.Id, timeoutSec)));
  await stopContainer(core, holderOf(core, pod).Id, timeoutSec);
}

/** A running pod (holder or containers up) needs `force`, which kills its containers; a
 * stopped pod goes with its stopped containers (podman's pod rm). */
export async function removePod(core: EngineCore, ref: string, force = false): Promise<void> {
  const pod = core.pods.find(ref);
  const members = podMembers(core, pod);
  const holder = core.store.maybe(pod.InfraId);
  const running = members.filter((r) => r.State.Status === 'running');
  if (!force && (running.length || holder?.State.Status === 'running')) {
    throw conflict(`pod ${pod.Name.slice(1)} is running${running.length ? ` (${running.length} running container(s))` : ''}: stop it first or use -f`);
  }
  await all(`removal of the containers of pod ${pod.Name.slice(1)}`, members.map((r) => () => removeContainer(core, r.Id, { force: true })));
  if (holder) await removeContainer(core, holder.Id, { force: true, pod: true });
  await core.pods.delete(pod.Id);
}

/** After an engine restart (the holders are reconciled as containers): a pod whose holder is
 * gone (its create or removal was interrupted) goes, and so does a holder without a pod. */
export async function reconcilePods(core: EngineCore): Promise<void> {
  for (const pod of core.pods.all()) {
    if (core.store.maybe(pod.InfraId)) continue;
    core.log(`pod ${pod.Name.slice(1)} has no holder (an interrupted create or removal): removing it`);
    await core.teardownLogged(`removal of pod ${pod.Id}`, [
      ...podMembers(core, pod).map((r) => () => removeContainer(core, r.Id, { force: true })),
      () => core.pods.delete(pod.Id),
    ]);
  }
  for (const rec of core.store.all()) {
    if (!rec.Hold || (rec.Pod && core.pods.maybe(rec.Pod))) continue;
    core.log(`holder ${rec.Id} has no pod (an interrupted create): removing it`);
    await core.teardownLogged(`removal of the holder ${rec.Id}`, [() => removeContainer(core, rec.Id, { force: true, pod: true })]);
  }
}
