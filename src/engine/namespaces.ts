// Namespace modes of a container (--network container:, --pid, --ipc, --uts): checked at
// create with docker's messages, turned at start into what the runtime joins (pod style: the
// holder's user namespace first, then any of net/ipc/uts/pid of the holder's PID 1) or keeps
// from the host. Policy only; the shim does the joining (runtime/shim/supervise.c).
// A pod's container (run --pod: the label minidock.pod=NAME) joins the pod's holder: its
// user and net namespaces always, ipc and uts as the pod shares them.
import { MinidockError, conflict, invalidArgument } from '../errors.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import type { EngineCore } from './core.js';
import type { ContainerRecord } from './record.js';
import type { ContainerSpec, UsernsMap } from './services.js';

type HostConfig = NonNullable<CreateContainerBody['HostConfig']>;

/** The label that asks for a pod at create (run --pod) and marks its containers. */
export const POD_LABEL = 'minidock.pod';
/** Marks a pod's holder (shown in docker ps as podman shows its infra container). */
export const POD_INFRA_LABEL = 'minidock.pod.infra';

/** create with the label minidock.pod=NAME: the body as a member of that pod (its holder's
 * namespaces), or undefined without the label. What a member cannot have is refused by name. */
export function podJoin(core: EngineCore, body: CreateContainerBody): { body: CreateContainerBody; podId: string } | undefined {
  const labels = body.Labels ?? {};
  if (labels[POD_INFRA_LABEL] !== undefined) throw invalidArgument(`label ${POD_INFRA_LABEL} is reserved for the holders of pods (pod create)`);
  const ref = labels[POD_LABEL];
  if (ref === undefined) return undefined;
  if (ref === '') throw invalidArgument(`--pod: empty pod name`);
  const pod = core.pods.find(ref);
  const name = pod.Name.slice(1);
  const hc: HostConfig = body.HostConfig ?? {};
  const at = `--pod ${name}`;
  if (hc.NetworkMode && hc.NetworkMode !== 'default') throw invalidArgument(`${at}: --network ${hc.NetworkMode} conflicts with the pod's network (pod create --network)`);
  if (Object.keys(body.NetworkingConfig?.EndpointsConfig ?? {}).length) throw invalidArgument(`${at}: endpoint settings (--ip, --network-alias) conflict with the pod's network`);
  if (Object.keys(hc.PortBindings ?? {}).length || hc.PublishAllPorts) throw invalidArgument(`${at}: ports are published on the pod (pod create -p), not on its containers`);
  if (body.Hostname) throw invalidArgument(`${at}: the hostname is the pod's (pod create --hostname)`);
  if (body.MacAddress) throw invalidArgument(`${at}: --mac-address conflicts with the pod's network`);
  if (hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length || hc.ExtraHosts?.length) throw invalidArgument(`${at}: dns and host options are the pod's (its /etc/hosts and resolv.conf are shared)`);
  if (pod.Share.includes('ipc') && hc.IpcMode && hc.IpcMode !== 'private') throw invalidArgument(`${at}: --ipc ${hc.IpcMode} conflicts with the pod's shared IPC namespace`);
  if (pod.Share.includes('uts') && hc.UTSMode) throw invalidArgument(`${at}: --uts ${hc.UTSMode} conflicts with the pod's shared UTS namespace`);
  if (hc.UsernsMode === 'host') throw invalidArgument(`${at}: --userns=host conflicts with the pod's user namespace`);
  const holder = `container:${pod.InfraId}`;
  return {
    podId: pod.Id,
    body: {
      ...body,
      Labels: { ...labels, [POD_LABEL]: name },
      HostConfig: { ...hc, NetworkMode: holder, ...(pod.Share.includes('ipc') ? { IpcMode: holder } : {}) },
    },
  };
}

/** `container:NAME|ID` → NAME|ID; anything else → undefined. */
export function containerOf(mode: string | undefined): string | undefined {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

const IPC_MODES = ['', 'private', 'shareable', 'host', 'none'];

/** Create-time checks that need no other container (moby's runconfig and verifyPlatformContainerSettings). */
export function checkNamespaceModes(body: CreateContainerBody, usernsEnabled: boolean): void {
  const hc: HostConfig = body.HostConfig ?? {};
  const net = containerOf(hc.NetworkMode);
  if (net !== undefined) {
    if (net === '') throw invalidArgument('invalid network mode: invalid container format container:<name|id>');
    if (body.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
    if (hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length) throw invalidArgument('conflicting options: dns and the network mode');
    if (hc.ExtraHosts?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
    if (body.MacAddress) throw invalidArgument('conflicting options: mac-address and the network mode');
    if (Object.keys(hc.PortBindings ?? {}).length || hc.PublishAllPorts) throw invalidArgument('conflicting options: port publishing and the container type network mode');
    if (Object.keys(body.ExposedPorts ?? {}).length) throw invalidArgument('conflicting options: port exposing and the container type network mode');
  }
  const pid = hc.PidMode ?? '';
  if (pid !== '' && pid !== 'host' && !containerOf(pid)) throw invalidArgument(`invalid --pid: ${pid}`);
  const ipc = hc.IpcMode ?? '';
  if (!IPC_MODES.includes(ipc) && !containerOf(ipc)) throw invalidArgument(`invalid --ipc: ${ipc}`);
  const uts = hc.UTSMode ?? '';
  if (uts !== '' && uts !== 'host') throw invalidArgument(`invalid UTS mode: ${uts}`);
  if (uts === 'host' && body.Hostname) throw invalidArgument('conflicting options: hostname and the UTS mode');
  // A PID namespace's /proc can only be mounted with privilege over the user namespace that
  // owns it: the host's cannot be shown to a container in a user namespace (docker refuses it
  // the same way under userns-remap).
  if (pid === 'host' && usernsEnabled) throw invalidArgument('cannot share the host PID namespace when user namespaces are enabled (use --userns=host)');
}

/** The containers whose namespaces `body` joins (deduplicated refs), for create-time lookups. */
export function holderRefs(hc: HostConfig | ContainerRecord['HostConfig']): string[] {
  const refs = [containerOf(hc.NetworkMode), containerOf(hc.PidMode), containerOf(hc.IpcMode)].filter((r): r is string => !!r);
  return [...new Set(refs)];
}

/** The user namespace a joiner gets: its holder's (namespaces belong to their user namespace). */
export function joinerUserns(core: EngineCore, hc: HostConfig): { userns: UsernsMap | null } | undefined {
  const refs = holderRefs(hc);
  if (!refs.length) return undefined;
  const holders = refs.map((r) => core.store.find(r));
  const ids = new Set(holders.map((h) => h.Id));
  if (ids.size > 1 && holders.some((h) => h.Userns)) {
    throw invalidArgument(`namespaces can be joined from one container only when it has a user namespace (asked: ${refs.join(', ')})`);
  }
  const userns = holders[0]!.Userns;
  if (hc.UsernsMode === 'host' && userns) throw invalidArgument(`--userns=host cannot join the namespaces of ${holders[0]!.Name.slice(1)}, which has a user namespace`);
  return { userns };
}

export interface NamespacePlan {
  spec: Pick<ContainerSpec, 'join' | 'hostNamespaces' | 'shmFrom'> & { noShm?: boolean };
  /** --network container:: the holder, whose hostname and etc files the joiner shares. */
  netHolder?: ContainerRecord;
}

function runningHolder(core: EngineCore, rec: ContainerRecord, ref: string, what: string): ContainerRecord {
  const h = core.store.find(ref);
  if (h.Id === rec.Id) throw invalidArgument(`cannot join own ${what}`);
  if (h.State.Status !== 'running') throw new MinidockError('Conflict', `cannot join ${what} of a non running container: ${h.Id}`, { status: 409 });
  return h;
}

/** At start: the holders (running), what the runtime joins and which host namespaces stay. */
export function planNamespaces(core: EngineCore, rec: ContainerRecord): NamespacePlan {
  const hc = rec.HostConfig;
  const join: NonNullable<ContainerSpec['join']> = {};
  const hostNamespaces: NonNullable<ContainerSpec['hostNamespaces']> = [];
  const plan: NamespacePlan = { spec: { join, hostNamespaces } };
  const holders: ContainerRecord[] = [];
  const netRef = containerOf(hc.NetworkMode);
  if (netRef !== undefined) {
    const h = runningHolder(core, rec, netRef, 'network');
    join.net = h.State.Pid;
    plan.netHolder = h;
    holders.push(h);
  }
  const pidRef = containerOf(hc.PidMode);
  if (pidRef !== undefined) {
    const h = runningHolder(core, rec, pidRef, 'PID');
    join.pid = h.State.Pid;
    holders.push(h);
  } else if (hc.PidMode === 'host') hostNamespaces.push('pid');
  const ipcRef = containerOf(hc.IpcMode);
  if (ipcRef !== undefined) {
    const h = runningHolder(core, rec, ipcRef, 'IPC');
    // docker: only a donor made `shareable` lends its IPC namespace and /dev/shm
    if (h.HostConfig.IpcMode !== 'shareable') throw conflict(`container ${h.Id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    join.ipc = h.State.Pid;
    plan.spec.shmFrom = h.State.Pid;
    holders.push(h);
  } else if (hc.IpcMode === 'host') hostNamespaces.push('ipc');
  else if (hc.IpcMode === 'none') plan.spec.noShm = true;
  if (hc.UTSMode === 'host') hostNamespaces.push('uts');
  // a pod's member shares its holder's UTS namespace when the pod says so
  const pod = rec.Pod !== undefined && !rec.Hold ? core.pods.maybe(rec.Pod) : undefined;
  if (pod?.Share.includes('uts') && plan.netHolder) join.uts = plan.netHolder.State.Pid;
  if (holders.length) {
    const owner = holders.find((h) => h.Userns) ?? holders[0]!;
    if (holders.some((h) => h.Userns && h.Id !== owner.Id)) {
      throw invalidArgument('namespaces can be joined from one container only when it has a user namespace');
    }
    if (!sameUserns(owner.Userns, rec.Userns)) {
      throw invalidArgument(`container ${rec.Id} was created for another user namespace than ${owner.Id}'s (recreate it)`);
    }
    if (owner.Userns) join.user = owner.State.Pid;
  }
  return plan;
}

function sameUserns(a: UsernsMap | null, b: UsernsMap | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
