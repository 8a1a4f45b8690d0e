// Root integration test of the network module: the classic lab (two containers on a bridge,
// a LAN host behind the host, published ports, isolation, internal networks, DNS) built
// from throwaway namespaces. Every name is unique (prefix c + random) and everything is
// removed in afterAll, then compared with the state before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/util/exec.js';
import { NetworkService, type NetworkRecord } from '../../src/network/index.js';
import { parsePortSpecs } from '../../src/wire/ports.js';

const isRoot = process.getuid?.() === 0;
const rnd = randomBytes(3).toString('hex');
const r8 = () => 1 + (randomBytes(1)[0] % 250);
const nodeBin = process.execPath;

// Tiny servers/clients run inside a netns with nsenter; they print what they saw.
const SERVER = `
const [proto, port] = process.argv.slice(1);
if (proto === 'tcp') {
  require('net').createServer((s) => { s.end('from ' + s.remoteAddress.replace('::ffff:', '') + '\\n'); }).listen(+port, '0.0.0.0', () => console.log('listening'));
} else {
  const u = require('dgram').createSocket('udp4');
  u.on('message', (m, r) => u.send('from ' + r.address + '\\n', r.port, r.address));
  u.bind(+port, '0.0.0.0', () => console.log('listening'));
}`;
const CLIENT = `
const [proto, host, port] = process.argv.slice(1);
const done = (t) => { console.log(t.trim()); process.exit(0); };
setTimeout(() => done('ERR:TIMEOUT'), 1500);
if (proto === 'tcp') {
  const s = require('net').connect(+port, host); let b = '';
  s.on('data', (d) => b += d); s.on('end', () => done(b || 'ERR:EMPTY')); s.on('error', (e) => done('ERR:' + e.code));
} else {
  const u = require('dgram').createSocket('udp4');
  u.on('message', (m) => done(String(m))); u.on('error', (e) => done('ERR:' + e.code));
  u.send('hi', +port, host);
}`;

const procs: ChildProcess[] = [];

/** A process with its own netns (and userns, like a real container); killed in afterAll. */
async function newNetns(userns = true): Promise<number> {
  const args = [...(userns ? ['--user', '--map-root-user'] : []), '--net', '--fork', '--kill-child', 'sleep', '1000'];
  const p = spawn('unshare', args, { stdio: 'ignore' });
  procs.push(p);
  const pid = p.pid!;
  // Wait until unshare has switched namespaces (its netns differs from ours).
  const own = await fs.readlink('/proc/self/ns/net');
  for (let i = 0; i < 100; i++) {
    if ((await fs.readlink(`/proc/${pid}/ns/net`).catch(() => own)) !== own) return pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`netns of pid ${pid} did not appear`);
}

const ns = (pid: number, cmd: string, args: string[]) => run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args], { timeoutMs: 10_000 });

async function serve(pid: number, proto: 'tcp' | 'udp', port: number): Promise<void> {
  const p = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', nodeBin, '-e', SERVER, proto, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d) => { if (String(d).includes('listening')) resolve(); });
    p.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function probe(pid: number | 'host', proto: 'tcp' | 'udp', host: string, port: number): Promise<string> {
  const args = ['-e', CLIENT, proto, host, String(port)];
  const r = pid === 'host' ? await run(nodeBin, args) : await ns(pid, nodeBin, args);
  return r.stdout.trim();
}

/** STP state of a bridge port as the kernel shows it (3: forwarding). */
const portState = (veth: string) => fs.readFile(`/sys/class/net/${veth}/brport/state`, 'utf8').then((s) => s.trim());

async function ping(pid: number, ip: string): Promise<boolean> {
  const r = await ns(pid, 'busybox', ['ping', '-c', '1', '-W', '1', ip]).catch(() => undefined);
  return r !== undefined;
}

/** What this test could have left on the host: links, nft tables and iptables lines naming its own objects. */
async function leftovers(names: string[], table: string): Promise<string[]> {
  const mine = (line: string) => names.some((n) => line.includes(n));
  const links = (await run('ip', ['-o', 'link'])).stdout.split('\n').filter(mine);
  const tables = (await run('nft', ['list', 'tables'])).stdout.split('\n').filter((l) => l.includes(table));
  const ipt = (await run('iptables-save', [])).stdout.split('\n').filter(mine);
  return [...links, ...tables, ...ipt];
}

describe.skipIf(!isRoot)('network: bridge lab (root)', () => {
  const table = `minidock_c${rnd}`;
  const defaultBridge = `cbr${rnd}`;
  let root: string;
  let svc: NetworkService;
  /** Interface names created during the test (bridges, veths), checked gone at the end. */
  const created: string[] = [];
  const lanSubnet = `198.18.${r8()}`;
  const lanHost = `${lanSubnet}.1`;
  const lanPeer = `${lanSubnet}.2`;
  const lanVeth = `cl${rnd}`;
  let lan: number;
  let c1: number;
  let c2: number;
  let defaultNet: NetworkRecord;
  const cid = (n: number) => `c${n}${rnd}`.padEnd(64, '0');
  const ids = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [`c${n}`, cid(n)])) as Record<string, string>;
  const pids: Record<string, number> = {};
  const sub = () => `10.${r8()}.${r8()}.0/24`;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), `c-net-${rnd}-`));
    svc = new NetworkService({ root, run: path.join(root, 'run') }, { defaultBridge, defaultSubnet: `10.${r8()}.${r8()}.0/24`, nftTable: table, dnsUpstreams: [] });
    await svc.init(() => true);
    defaultNet = await svc.get('bridge');
    // The LAN host: a netns behind a veth whose host end holds lanHost.
    lan = await newNetns(false);
    await run('ip', ['link', 'add', 'name', lanVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(lan)]);
    await run('ip', ['addr', 'add', `${lanHost}/24`, 'dev', lanVeth]);
    await run('ip', ['link', 'set', lanVeth, 'up']);
    await ns(lan, 'ip', ['addr', 'add', `${lanPeer}/24`, 'dev', 'eth0']);
    await ns(lan, 'ip', ['link', 'set', 'eth0', 'up']);
    c1 = await newNetns();
    c2 = await newNetns();
    for (const n of [3, 4, 5, 6, 7, 8, 9, 10]) pids[`c${n}`] = await newNetns();
  }, 30_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    if (svc) {
      for (const id of Object.values(ids)) await svc.releaseContainer(id).catch((e) => errors.push(e));
      for (const n of await svc.list()) if (!n.builtin) await svc.remove(n.id).catch((e) => errors.push(e));
      await svc.close();
      // The test's own default bridge and nft table (a real engine keeps both).
      await run('ip', ['link', 'del', defaultBridge]).catch((e) => errors.push(e));
      await run('nft', ['-f', '-'], { input: `add table ip ${table}\ndelete table ip ${table}\n` }).catch((e) => errors.push(e));
      const { removeBridgeAccepted } = await import('../../src/network/iptables.js');
      errors.push(...(await removeBridgeAccepted(defaultBridge, 'bridge')));
    }
    await run('ip', ['link', 'del', lanVeth]).catch(() => undefined);
    for (const p of procs) p.kill('SIGKILL');
    if (root) await fs.rm(root, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(await leftovers([...created, defaultBridge, lanVeth, rnd], table)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  it('connects two containers that reach each other, the host and the LAN through masquerade', async () => {
    const e1 = await svc.connect('bridge', { containerId: ids.c1, containerName: `c1-${rnd}`, pid: c1, ifName: 'eth0', aliases: [], ports: [] });
    const e2 = await svc.connect('bridge', { containerId: ids.c2, containerName: `c2-${rnd}`, pid: c2, ifName: 'eth0', aliases: [], ports: [] });
    expect(e1.ip).not.toBe(e2.ip);
    expect(e1.gateway).toBe(defaultNet.gateway);
    expect(e1.mac).toMatch(/^02:42:/);
    expect(await ping(c1, e2.ip)).toBe(true);
    expect(await ping(c2, e1.ip)).toBe(true);
    expect((await run('busybox', ['ping', '-c', '1', '-W', '1', e1.ip])).exitCode).toBe(0);
    await serve(lan, 'tcp', 7000);
    expect(await probe(c1, 'tcp', lanPeer, 7000)).toBe(`from ${lanHost}`);
  }, 30_000);

  const ep = (n: number, extra: Partial<Parameters<NetworkService['connect']>[1]> = {}) => ({
    containerId: ids[`c${n}`], containerName: `c${n}-${rnd}`, pid: pids[`c${n}`], ifName: 'eth0', aliases: [], ports: [], ...extra,
  });

  it('publishes tcp and udp ports to the LAN, the host, 127.0.0.1 and hairpin, keeping the client address', async () => {
    const ports = await svc.reservePorts(ids.c3, parsePortSpecs(['0:80', '0:5353/udp', '127.0.0.1:0:81']));
    expect(ports.every((p) => p.hostPort > 0)).toBe(true);
    const [tcp, udp, local] = ports.map((p) => p.hostPort);
    const e3 = await svc.connect('bridge', ep(3, { ports }));
    await serve(pids.c3, 'tcp', 80);
    await serve(pids.c3, 'tcp', 81);
    await serve(pids.c3, 'udp', 5353);
    expect(await probe(lan, 'tcp', lanHost, tcp)).toBe(`from ${lanPeer}`);
    expect(await probe(lan, 'udp', lanHost, udp)).toBe(`from ${lanPeer}`);
    expect(await probe('host', 'tcp', lanHost, tcp)).toMatch(/^from /);
    expect(await probe('host', 'tcp', '127.0.0.1', tcp)).toBe(`from ${defaultNet.gateway}`);
    expect(await probe('host', 'tcp', '127.0.0.1', local)).toBe(`from ${defaultNet.gateway}`);
    // hairpin: the container through the host's address to its own published port
    expect(await probe(pids.c3, 'tcp', lanHost, tcp)).toBe(`from ${defaultNet.gateway}`);
    // The private address is not reachable from the LAN, even with a route to it.
    await ns(lan, 'ip', ['route', 'add', defaultNet.subnet!, 'via', lanHost]);
    expect(await probe(lan, 'tcp', e3.ip, 80)).toMatch(/^ERR/);
    // A 127.0.0.1-only port is not reachable from the LAN, even when the LAN host routes
    // 127.0.0.1 to us and our interface would accept it (route_localnet on both ends).
    await ns(lan, 'sysctl', ['-w', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.eth0.route_localnet=1']);
    await ns(lan, 'ip', ['route', 'add', '127.0.0.1/32', 'via', lanHost, 'dev', 'eth0']);
    await fs.writeFile(`/proc/sys/net/ipv4/conf/${lanVeth}/route_localnet`, '1');
    expect(await probe(lan, 'tcp', '127.0.0.1', local)).toMatch(/^ERR/);
    expect(await probe(lan, 'tcp', '127.0.0.1', tcp)).toMatch(/^ERR/);
    // Releasing unpublishes: the port is free again and no longer forwarded.
    await svc.releaseContainer(ids.c3);
    expect(await probe(lan, 'tcp', lanHost, tcp)).toMatch(/^ERR/);
    const again = await svc.reservePorts(ids.c3, [{ hostIp: '', hostPort: tcp, containerPort: 80, proto: 'tcp' }]);
    expect(again[0].hostPort).toBe(tcp);
    await svc.releaseContainer(ids.c3);
  }, 30_000);

  it('refuses a host port already bound by a host program', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expect(svc.reservePorts(ids.c8, parsePortSpecs([`${port}:80`]))).rejects.toMatchObject({ code: 'PortInUse' });
      // A host range skips the taken port, like Docker's `8000-8010:80`.
      const [got] = await svc.reservePorts(ids.c8, parsePortSpecs([`${port}-${port + 5}:80`]));
      expect(got.hostPort).toBeGreaterThan(port);
      expect(got.hostPort).toBeLessThanOrEqual(port + 5);
      expect(got).not.toHaveProperty('hostPortEnd');
    } finally {
      server.close();
    }
    await svc.releaseContainer(ids.c8);
  });

  it('isolates user networks, answers dns by name and alias, and connects/disconnects extra interfaces', async () => {
    const a = await svc.create({ name: `ca-${rnd}`, subnet: sub() });
    const b = await svc.create({ name: `cb-${rnd}`, subnet: sub() });
    created.push(a.bridge!, b.bridge!);
    expect(a.bridge).toMatch(/^md-[0-9a-f]{12}$/);
    // With dockerd's FORWARD policy drop, our bridges are accepted in DOCKER-USER (or FORWARD).
    const dockerUser = await run('iptables', ['-S', 'DOCKER-USER']).catch(() => undefined);
    const forward = (await run('iptables', ['-S', 'FORWARD'])).stdout;
    const accepted = new RegExp(`-A (DOCKER-USER|FORWARD) -i ${a.bridge} .*minidock:${a.name}.* -j ACCEPT`);
    if (dockerUser) expect(dockerUser.stdout).toMatch(accepted);
    else if (forward.includes('-P FORWARD DROP')) expect(forward).toMatch(accepted);
    const e4 = await svc.connect(a.name, ep(4, { aliases: [`web-${rnd}`] }));
    const e5 = await svc.connect(b.name, ep(5));
    const e6 = await svc.connect(a.name, ep(6));
    created.push(e4.hostVeth, e5.hostVeth, e6.hostVeth);
    // connect returns once the new port forwards (the kernel gets there asynchronously, and
    // late on a busy host: a ping right after the connect was lost then)
    for (const e of [e4, e5, e6]) expect(await portState(e.hostVeth)).toBe('3');
    expect(await ping(pids.c4, e6.ip)).toBe(true);
    expect(await ping(pids.c4, a.gateway!)).toBe(true);
    expect(await ping(pids.c5, e4.ip)).toBe(false);
    expect(await ping(pids.c4, e5.ip)).toBe(false);
    for (const name of [`c4-${rnd}`, `web-${rnd}`, `c4-${rnd}.${a.name}`]) {
      const r = await ns(pids.c6, 'busybox', ['nslookup', name, a.gateway!]);
      expect(r.stdout).toContain(e4.ip);
    }
    await expect(ns(pids.c6, 'busybox', ['nslookup', `nosuch-${rnd}`, a.gateway!])).rejects.toThrow();
    expect(svc.resolvConf(a.name)).toContain(`nameserver ${a.gateway}`);
    expect(svc.resolvConf('bridge')).not.toMatch(/nameserver 127\./);
    // A second interface on a running container, then its exact removal.
    const e4b = await svc.connect(b.name, ep(4, { ifName: 'eth1' }));
    created.push(e4b.hostVeth);
    expect(await portState(e4b.hostVeth)).toBe('3');
    expect(await ping(pids.c4, e5.ip)).toBe(true);
    const routes = (await ns(pids.c4, 'ip', ['-4', 'route', 'show', 'default'])).stdout;
    expect(routes).toContain(`via ${a.gateway} dev eth0`);
    expect(routes).not.toContain('eth1');
    await svc.disconnect(b.name, ids.c4);
    expect((await ns(pids.c4, 'ip', ['-o', 'link'])).stdout).not.toContain('eth1');
    await expect(svc.remove(a.name)).rejects.toMatchObject({ code: 'NetworkInUse' });
    await svc.releaseContainer(ids.c4);
    await svc.releaseContainer(ids.c5);
    await svc.releaseContainer(ids.c6);
    await svc.remove(a.name);
    await svc.remove(b.name);
    expect((await svc.list()).map((n) => n.name)).not.toContain(a.name);
  }, 30_000);

  it('resolves a container connected while running by name and alias from its new peers, and forgets it on disconnect (issue 12)', async () => {
    const d = await svc.create({ name: `cd-${rnd}`, subnet: sub() });
    const e = await svc.create({ name: `ce-${rnd}`, subnet: sub() });
    created.push(d.bridge!, e.bridge!);
    const peer = await svc.connect(d.name, ep(9));
    // c10 runs on its own network first (its resolv.conf names that network's server), then joins d.
    const first = await svc.connect(e.name, ep(10));
    created.push(peer.hostVeth, first.hostVeth);
    const lookup = (pid: number, name: string, server: string) => ns(pid, 'busybox', ['nslookup', name, server]).then((r) => r.stdout, () => 'NXDOMAIN');
    expect(await lookup(pids.c9, `c10-${rnd}`, d.gateway!)).toBe('NXDOMAIN');
    const joined = await svc.connect(d.name, ep(10, { ifName: 'eth1', aliases: [`db-${rnd}`] }));
    created.push(joined.hostVeth);
    for (const name of [`c10-${rnd}`, `db-${rnd}`, `db-${rnd}.${d.name}`, ids.c10.slice(0, 12)]) {
      const out = await lookup(pids.c9, name, d.gateway!);
      expect(out).toContain(joined.ip);
      expect(out).not.toContain(first.ip);
    }
    // The joined container finds its new peer through the server of its first network, as
    // Docker's per-container resolver answers for every network the container is on.
    expect(await lookup(pids.c10, `c9-${rnd}`, e.gateway!)).toContain(peer.ip);
    // The peer does not learn names of a network it is not on.
    expect(await lookup(pids.c9, `c10-${rnd}`, e.gateway!)).toBe('NXDOMAIN');
    await expect(svc.remove(d.name)).rejects.toMatchObject({ code: 'NetworkInUse', status: 403, message: `error while removing network: network ${d.name} id ${d.id} has active endpoints` });
    await svc.disconnect(d.name, ids.c10);
    expect(await lookup(pids.c9, `c10-${rnd}`, d.gateway!)).toBe('NXDOMAIN');
    expect(await lookup(pids.c9, `db-${rnd}`, d.gateway!)).toBe('NXDOMAIN');
    expect(await lookup(pids.c10, `c9-${rnd}`, e.gateway!)).toBe('NXDOMAIN');
    // Still resolvable on the network it stays on.
    expect(await lookup(pids.c10, `c10-${rnd}`, e.gateway!)).toContain(first.ip);
    await svc.releaseContainer(ids.c9);
    await svc.releaseContainer(ids.c10);
    await svc.remove(d.name);
    await svc.remove(e.name);
  }, 30_000);

  it('gives an internal network no way out', async () => {
    const i = await svc.create({ name: `ci-${rnd}`, subnet: sub(), internal: true });
    created.push(i.bridge!);
    const e7 = await svc.connect(i.name, ep(7));
    created.push(e7.hostVeth);
    expect(await ping(pids.c7, i.gateway!)).toBe(true);
    expect(await ping(pids.c7, lanPeer)).toBe(false);
    expect(await probe(pids.c7, 'tcp', lanPeer, 7000)).toMatch(/^ERR/);
    await svc.releaseContainer(ids.c7);
    await svc.remove(i.name);
  }, 30_000);

  it('picks a free subnet and refuses an overlapping one', async () => {
    const n = await svc.create({ name: `cp-${rnd}` });
    created.push(n.bridge!);
    expect(n.subnet).not.toBe('172.17.0.0/16'); // docker0 and the default pool start are skipped
    await expect(svc.create({ name: `cq-${rnd}`, subnet: n.subnet })).rejects.toMatchObject({ code: 'SubnetOverlap' });
    await expect(svc.create({ name: `cq-${rnd}`, subnet: defaultNet.subnet })).rejects.toMatchObject({ code: 'SubnetOverlap' });
    await svc.remove(n.id);
  });

  it('keeps allocations across an engine restart and releases those of dead containers', async () => {
    const before1 = (await svc.get('bridge')).endpoints;
    expect(Object.keys(before1)).toContain(ids.c1);
    await svc.close();
    const svc2 = new NetworkService(svc.paths, { defaultBridge, nftTable: table, dnsUpstreams: [] });
    svc = svc2;
    // c2 counts as gone: its address, veth and records go; c1 stays.
    await svc2.init((id) => id !== ids.c2);
    const eps = (await svc2.get('bridge')).endpoints;
    expect(eps[ids.c1]?.ip).toBe(before1[ids.c1].ip);
    expect(eps[ids.c2]).toBeUndefined();
    expect((await run('ip', ['-o', 'link'])).stdout).not.toContain(before1[ids.c2].hostVeth);
    await expect(svc2.connect('bridge', ep(8, { ip: before1[ids.c1].ip }))).rejects.toMatchObject({ code: 'AddressInUse' });
    // The gateway keeps its MAC across port changes, so the container's ARP entry stays valid.
    expect(await ping(c1, defaultNet.gateway!)).toBe(true);
  }, 30_000);
});
