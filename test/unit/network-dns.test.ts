import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import { RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_AAAA, buildQuery, buildResponse, parseQuery, parseResponse } from '../../src/network/dns/packet.js';
import { DnsServer } from '../../src/network/dns/server.js';
import { DnsServers } from '../../src/network/dns/servers.js';
import type { NetworkRecord } from '../../src/network/types.js';
import { defaultBridgeResolvConf, parseResolvConf, upstreamsOf, userNetworkResolvConf } from '../../src/network/resolvconf.js';

describe('dns packets', () => {
  it('round-trips a query and an answer', () => {
    const q = buildQuery(0x1234, 'web.Example');
    const parsed = parseQuery(q);
    expect(parsed).toMatchObject({ id: 0x1234, questions: [{ name: 'web.Example', type: 1, cls: 1 }] });
    const r = buildResponse(parsed, { rcode: 0, addresses: ['10.0.0.2', '10.0.0.3'] });
    expect(parseResponse(r)).toEqual({ id: 0x1234, rcode: 0, addresses: ['10.0.0.2', '10.0.0.3'] });
    expect(r.readUInt16BE(2) & 0x8000).toBe(0x8000); // QR
    expect(r.readUInt16BE(2) & 0x0100).toBe(0x0100); // RD copied
  });
  it('follows compression pointers and rejects garbage', () => {
    const q = buildQuery(1, 'a.b');
    const r = buildResponse(parseQuery(q), { rcode: RCODE_NXDOMAIN });
    expect(parseResponse(r)).toEqual({ id: 1, rcode: RCODE_NXDOMAIN, addresses: [] });
    expect(() => parseQuery(Buffer.alloc(5))).toThrow(/too short/);
    const loop = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(() => parseQuery(loop)).toThrow(/compression pointers/);
    expect(() => parseQuery(Buffer.concat([q.subarray(0, 12), Buffer.from([5, 97])]))).toThrow(/bad label length/);
  });
});

describe('resolv.conf', () => {
  const host = parseResolvConf('# c\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver fd00::1\nsearch corp.example\noptions ndots:2 edns0\n');
  it('parses the host file', () => {
    expect(host).toEqual({ nameservers: ['127.0.0.53', '10.0.0.2', 'fd00::1'], search: ['corp.example'], options: ['ndots:2', 'edns0'] });
  });
  it('drops loopback resolvers for the default bridge, falling back to public ones', () => {
    expect(defaultBridgeResolvConf(host)).toBe('search corp.example\nnameserver 10.0.0.2\noptions ndots:2 edns0\n');
    expect(defaultBridgeResolvConf(parseResolvConf('nameserver 127.0.0.53\n'))).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
  it('points user networks at the gateway and forwards to every ipv4 host resolver', () => {
    expect(userNetworkResolvConf('172.18.0.1', host)).toBe('search corp.example\nnameserver 172.18.0.1\noptions ndots:2 edns0\n');
    expect(upstreamsOf(host)).toEqual([{ host: '127.0.0.53', port: 53 }, { host: '10.0.0.2', port: 53 }]);
  });
});

describe('embedded dns server (loopback only)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const c of cleanup.splice(0)) await c(); });

  async function freePort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  async function ask(port: number, name: string, type = 1): Promise<ReturnType<typeof parseResponse>> {
    const sock = dgram.createSocket('udp4');
    cleanup.push(() => sock.close());
    return new Promise((resolve) => {
      sock.on('message', (m) => resolve(parseResponse(m)));
      sock.send(buildQuery(7, name, type), port, '127.0.0.1');
    });
  }

  it('answers names and aliases, forwards the rest, and fails cleanly', async () => {
    // A fake upstream on loopback standing in for the host's resolver.
    const upstream = dgram.createSocket('udp4');
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => upstream.close());
    upstream.on('message', (m, r) => upstream.send(buildResponse(parseQuery(m), { rcode: 0, addresses: ['192.0.2.99'] }), r.port, r.address));
    const port = await freePort();
    const server = new DnsServer({ address: '127.0.0.1', port, networkName: 'web', upstreams: [{ host: '127.0.0.1', port: upstream.address().port }] });
    await server.start();
    cleanup.push(() => server.stop());
    server.setRecord('c1', ['db', 'primary'], '10.1.0.2');
    server.setRecord('c2', ['db'], '10.1.0.3');
    expect(await ask(port, 'db')).toMatchObject({ id: 7, rcode: 0, addresses: ['10.1.0.2', '10.1.0.3'] });
    expect(await ask(port, 'PRIMARY.web.')).toMatchObject({ rcode: 0, addresses: ['10.1.0.2'] });
    expect(await ask(port, 'db', TYPE_AAAA)).toMatchObject({ rcode: 0, addresses: [] });
    expect(await ask(port, 'example.org')).toMatchObject({ rcode: 0, addresses: ['192.0.2.99'] });
    server.deleteRecord('c1');
    expect(await ask(port, 'primary')).toMatchObject({ addresses: ['192.0.2.99'] });
    // TCP framing
    const tcpReply = await new Promise<Buffer>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        const q = buildQuery(9, 'db');
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        s.write(Buffer.concat([len, q]));
      });
      s.on('data', (d) => { resolve(d.subarray(2)); s.destroy(); });
    });
    expect(parseResponse(tcpReply)).toMatchObject({ id: 9, addresses: ['10.1.0.3'] });
  });

  it('answers SERVFAIL when upstreams time out and NXDOMAIN when there are none', async () => {
    const dead = dgram.createSocket('udp4');
    await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => dead.close());
    const p1 = await freePort();
    const s1 = new DnsServer({ address: '127.0.0.1', port: p1, networkName: 'n', upstreams: [{ host: '127.0.0.1', port: dead.address().port }], timeoutMs: 200 });
    await s1.start();
    cleanup.push(() => s1.stop());
    expect(await ask(p1, 'x.example')).toMatchObject({ rcode: RCODE_SERVFAIL });
    const p2 = await freePort();
    const s2 = new DnsServer({ address: '127.0.0.1', port: p2, networkName: 'n', upstreams: [] });
    await s2.start();
    cleanup.push(() => s2.stop());
    expect(await ask(p2, 'x.example')).toMatchObject({ rcode: RCODE_NXDOMAIN });
  });
});

describe('dns lifecycle: a client is answered from every network it is on (issue 12)', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => { for (const s of stops.splice(0)) await s(); });

  const rec = (id: string, name: string, gateway: string, eps: [string, string, string[]][]): NetworkRecord => ({
    id, name, driver: 'bridge', bridge: `md-${id}`, subnet: `${gateway.replace(/\.1$/, '.0')}/24`, gateway, internal: false, builtin: false, created: '', labels: {},
    endpoints: Object.fromEntries(eps.map(([cid, ip, aliases]) => [cid, { containerId: cid, containerName: `${cid}-name`, pid: 1, ifName: 'eth0', hostVeth: '', ip, mac: '', aliases, ports: [] }])),
  });

  /** One query over UDP from `from` (any 127/8 address is local) to `server`:`port`. */
  async function askFrom(from: string, server: string, port: number, name: string): Promise<ReturnType<typeof parseResponse>> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, from, () => r()));
    try {
      return await new Promise((resolve) => {
        sock.on('message', (m) => resolve(parseResponse(m)));
        sock.send(buildQuery(3, name), port, server);
      });
    } finally {
      sock.close();
    }
  }

  it('resolves the names of a second network through the first network\'s server, scoped to the client', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.77.5.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dns = new DnsServers({ port, upstreams: [], resolvConfPath: '/nonexistent' });
    stops.push(() => dns.stopAll());
    const a = rec('a', 'neta', '127.77.5.1', [['c1', '127.77.5.2', []]]);
    const b = rec('b', 'netb', '127.77.6.1', [['c2', '127.77.6.3', ['db']]]);
    await dns.start(a);
    await dns.start(b);
    // c1 (on a) cannot see b's names yet.
    expect(await askFrom('127.77.5.2', '127.77.5.1', port, 'db')).toMatchObject({ rcode: RCODE_NXDOMAIN });
    // c1 joins b: it resolves b's names through a's server, and b's peers resolve it.
    b.endpoints.c1 = { ...a.endpoints.c1, ip: '127.77.6.2', aliases: ['web'] };
    dns.add(b, b.endpoints.c1);
    expect(await askFrom('127.77.5.2', '127.77.5.1', port, 'db')).toMatchObject({ rcode: 0, addresses: ['127.77.6.3'] });
    expect(await askFrom('127.77.5.2', '127.77.5.1', port, 'c2-name.netb')).toMatchObject({ addresses: ['127.77.6.3'] });
    expect(await askFrom('127.77.6.3', '127.77.6.1', port, 'web')).toMatchObject({ addresses: ['127.77.6.2'] });
    // Its own network's address comes first for its own name.
    expect(await askFrom('127.77.5.2', '127.77.5.1', port, 'c1-name')).toMatchObject({ addresses: ['127.77.5.2'] });
    // A client that is on no network of the server learns no names from it.
    expect(await askFrom('127.77.5.9', '127.77.5.1', port, 'c1-name')).toMatchObject({ rcode: RCODE_NXDOMAIN });
    expect(await askFrom('127.77.6.3', '127.77.5.1', port, 'c1-name')).toMatchObject({ rcode: RCODE_NXDOMAIN });
    // Disconnected from b: its names go from b, and b's names from its view.
    dns.remove(b, 'c1');
    expect(await askFrom('127.77.6.3', '127.77.6.1', port, 'web')).toMatchObject({ rcode: RCODE_NXDOMAIN });
    expect(await askFrom('127.77.5.2', '127.77.5.1', port, 'db')).toMatchObject({ rcode: RCODE_NXDOMAIN });
  });

  it('refuses to publish names on a network whose server is not running', () => {
    const dns = new DnsServers({ port: 0, upstreams: [], resolvConfPath: '/nonexistent' });
    const n = rec('x', 'netx', '127.77.7.1', [['c1', '127.77.7.2', []]]);
    expect(() => dns.add(n, n.endpoints.c1)).toThrow('dns server of network netx is not running: c1-name would not be resolvable');
  });
});
