// Pod policy with fakes: what a pod shares, its state, what a member may not ask for, the
// namespaces a member joins, the `pod ls` table and `--pod` on the CLI.
import { describe, expect, it } from 'vitest';
import { PodNotFound } from '../../src/errors.js';
import type { EngineCore } from '../../src/engine/core.js';
import { planNamespaces, podJoin, POD_INFRA_LABEL } from '../../src/engine/namespaces.js';
import type { PodRecord } from '../../src/engine/pod-store.js';
import { parseShare, podStatus } from '../../src/engine/pods.js';
import type { ContainerRecord } from '../../src/engine/record.js';
import { findRecord } from '../../src/engine/store.js';
import { podRows } from '../../src/cli/commands/pods.js';
import { buildCreateBody } from '../../src/cli/run-flags.js';
import type { CreateContainerBody } from '../../src/wire/api-types.js';

const userns = { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }] };

function rec(over: Partial<ContainerRecord> & { Id: string }): ContainerRecord {
  return {
    Name: `/${over.Id}`, Created: '', Path: 'sh', Args: [], Image: 'sha256:x', ImageRef: 'b',
    Config: { Hostname: 'h', Env: [], Cmd: null, Entrypoint: null },
    HostConfig: { NetworkMode: 'default', PublishAllPorts: false, AutoRemove: false, UsernsMode: '', PortBindings: {} },
    Networks: {}, Endpoints: {}, Ports: [], Userns: userns,
    State: { Status: 'running', Pid: 4242, ShimPid: 4241, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '', OOMKilled: false },
    RestartCount: 0, ...over,
  } as ContainerRecord;
}

/** A core with these pods and containers (lookups only, as namespaces.ts uses them). */
function fakeCore(pods: PodRecord[], containers: ContainerRecord[]): EngineCore {
  return {
    pods: {
      find: (ref: string) => { try { return findRecord(pods, ref); } catch { throw new PodNotFound(ref); } },
      maybe: (id: string) => pods.find((p) => p.Id === id),
    },
    store: { find: (ref: string) => findRecord(containers, ref), maybe: (id: string) => containers.find((c) => c.Id === id) },
  } as unknown as EngineCore;
}

const pod = (share: PodRecord['Share']): PodRecord => ({ Id: 'c'.repeat(64), Name: '/web', Created: '', Labels: {}, Share: share, InfraId: 'i'.repeat(64) });
const body = (extra: Partial<CreateContainerBody> = {}, hc: CreateContainerBody['HostConfig'] = {}): CreateContainerBody =>
  ({ Image: 'b', Labels: { 'minidock.pod': 'web' }, HostConfig: hc, ...extra });

describe('pods', () => {
  it('shares net always, ipc and uts as asked', () => {
    expect(parseShare(undefined)).toEqual(['net', 'ipc', 'uts']);
    expect(parseShare(['net,uts'])).toEqual(['net', 'uts']);
    expect(parseShare(['net', 'net'])).toEqual(['net']);
    expect(() => parseShare(['ipc'])).toThrow('a pod always shares net');
    expect(() => parseShare(['net,pid'])).toThrow('--share pid: not one of net, ipc, uts');
    expect(() => parseShare('net' as unknown as string[])).toThrow('Share: not a list of strings');
  });

  it('takes its state from its holder', () => {
    expect(podStatus(undefined)).toBe('Exited');
    expect(podStatus(rec({ Id: 'h' }))).toBe('Running');
    expect(podStatus(rec({ Id: 'h', State: { ...rec({ Id: 'h' }).State, Status: 'created' } }))).toBe('Created');
    expect(podStatus(rec({ Id: 'h', State: { ...rec({ Id: 'h' }).State, Status: 'exited' } }))).toBe('Exited');
  });

  it('turns run --pod into the holder\'s namespaces', () => {
    const core = fakeCore([pod(['net', 'ipc', 'uts'])], []);
    const out = podJoin(core, body())!;
    expect(out.podId).toBe('c'.repeat(64));
    expect(out.body.HostConfig).toMatchObject({ NetworkMode: `container:${'i'.repeat(64)}`, IpcMode: `container:${'i'.repeat(64)}` });
    // by id prefix too; the label then names the pod
    expect(podJoin(core, body({ Labels: { 'minidock.pod': 'ccc' } }))!.body.Labels).toEqual({ 'minidock.pod': 'web' });
    // ipc not shared: the member keeps its own
    expect(podJoin(fakeCore([pod(['net'])], []), body({}, { IpcMode: 'private' }))!.body.HostConfig!.IpcMode).toBe('private');
    expect(podJoin(core, { Image: 'b' })).toBeUndefined();
  });

  it.each([
    [body({}, { PortBindings: { '80/tcp': [{ HostPort: '80' }] } }), 'ports are published on the pod'],
    [body({}, { PublishAllPorts: true }), 'ports are published on the pod'],
    [body({}, { NetworkMode: 'bridge' }), "--network bridge conflicts with the pod's network"],
    [body({ Hostname: 'x' }), "the hostname is the pod's"],
    [body({ MacAddress: '02:42:ac:11:00:09' }), '--mac-address conflicts'],
    [body({}, { Dns: ['1.1.1.1'] }), "dns and host options are the pod's"],
    [body({}, { IpcMode: 'host' }), "--ipc host conflicts with the pod's shared IPC namespace"],
    [body({}, { UTSMode: 'host' }), "--uts host conflicts with the pod's shared UTS namespace"],
    [body({}, { UsernsMode: 'host' }), "--userns=host conflicts with the pod's user namespace"],
    [body({ Labels: { 'minidock.pod': 'nosuch' } }), 'no such pod: nosuch'],
    [body({ Labels: { [POD_INFRA_LABEL]: 'true' } }), 'is reserved for the holders of pods'],
  ])('refuses %j', (b, msg) => {
    expect(() => podJoin(fakeCore([pod(['net', 'ipc', 'uts'])], []), b)).toThrow(msg);
  });

  it('a member joins user, net, ipc and uts of the holder, uts only when shared', () => {
    const infra = 'i'.repeat(64);
    const holder = rec({ Id: infra, Hold: true, Pod: 'c'.repeat(64), HostConfig: { ...rec({ Id: 'x' }).HostConfig, IpcMode: 'shareable' } });
    const member = (share: PodRecord['Share']) => {
      const m = rec({ Id: 'm', Pod: 'c'.repeat(64), State: { ...holder.State, Status: 'created', Pid: 0 } });
      m.HostConfig = { ...m.HostConfig, NetworkMode: `container:${infra}`, ...(share.includes('ipc') ? { IpcMode: `container:${infra}` } : {}) };
      return planNamespaces(fakeCore([pod(share)], [holder, m]), m);
    };
    expect(member(['net', 'ipc', 'uts']).spec.join).toEqual({ user: 4242, net: 4242, ipc: 4242, uts: 4242 });
    expect(member(['net']).spec.join).toEqual({ user: 4242, net: 4242 });
    // a stopped holder: docker's refusal
    holder.State.Status = 'exited';
    expect(() => member(['net'])).toThrow('cannot join network of a non running container');
  });

  it('lists pods in a docker-like table', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    expect(podRows([{ Id: 'f'.repeat(64), Name: 'web', Status: 'Running', Created: '2026-01-01T00:00:00Z', Containers: 2, Labels: {} }], now)).toEqual([
      ['POD ID', 'NAME', 'STATUS', 'CREATED', '# OF CONTAINERS'],
      ['f'.repeat(12), 'web', 'Running', 'About an hour ago', '2'],
    ]);
  });

  it('run --pod: the label that asks for the pod; -p, --network, --hostname refused', () => {
    expect(buildCreateBody('b', [], { pod: 'web' }, {}).Labels).toEqual({ 'minidock.pod': 'web' });
    expect(() => buildCreateBody('b', [], { pod: 'web', publish: ['80:80'] }, {})).toThrow('ports are published on the pod');
    expect(() => buildCreateBody('b', [], { pod: 'web', network: 'n' }, {})).toThrow("--network conflicts with the pod's network");
    expect(() => buildCreateBody('b', [], { pod: 'web', hostname: 'h' }, {})).toThrow("--hostname conflicts with the pod's hostname");
    expect(() => buildCreateBody('b', [], { pod: 'web', label: ['minidock.pod=db'] }, {})).toThrow('conflicts with --label minidock.pod=db');
  });
});
