// Embedded DNS for one user-defined network: answers A queries for container names and
// aliases on the network (also `<name>.<network>`), forwards everything else to the host's
// resolvers, and answers SERVFAIL when forwarding is impossible. Bound to the gateway
// address on port 53 (UDP, plus TCP with 2-byte length framing). With `scope`, a client is
// answered from the names of every network it is on (Docker's per-container resolver), and
// a client that is on none of them gets no local names.
import dgram from 'node:dgram';
import net from 'node:net';
import { RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, buildResponse, parseQuery, type Query } from './packet.js';

export interface Upstream { host: string; port: number }

export interface DnsServerOptions {
  address: string;
  port?: number;
  networkName: string;
  upstreams: Upstream[];
  timeoutMs?: number;
  /** The servers whose names `clientIp` may resolve, searched in order; default: this one, for any client. */
  scope?: (clientIp: string) => DnsServer[];
}

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly clients = new Set<net.Socket>();
  /** lower-case name -> addresses, per owner so one container's removal drops exactly its names. */
  private records = new Map<string, { names: string[]; ip: string }>();

  constructor(readonly opts: DnsServerOptions) {}

  setRecord(owner: string, names: string[], ip: string): void {
    this.records.set(owner, { names: names.filter(Boolean).map((n) => n.toLowerCase()), ip });
  }

  deleteRecord(owner: string): void {
    this.records.delete(owner);
  }

  /** The record owner (container) holding `ip` on this network. */
  ownerOf(ip: string): string | undefined {
    for (const [owner, r] of this.records) if (r.ip === ip) return owner;
    return undefined;
  }

  has(owner: string): boolean {
    return this.records.has(owner);
  }

  /** Addresses of `name` among this network's records. */
  lookup(name: string): string[] {
    let n = name.toLowerCase().replace(/\.$/, '');
    const suffix = `.${this.opts.networkName.toLowerCase()}`;
    if (n.endsWith(suffix)) n = n.slice(0, -suffix.length);
    const out: string[] = [];
    for (const r of this.records.values()) if (r.names.includes(n) && !out.includes(r.ip)) out.push(r.ip);
    return out;
  }

  async start(): Promise<void> {
    const port = this.opts.port ?? 53;
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      void this.answer(msg, rinfo.address).then((reply) => { if (reply) udp.send(reply, rinfo.port, rinfo.address); });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.opts.address, port, exclusive: true }, () => { udp.off('error', reject); resolve(); });
    });
    // Deliberate: after the bind, a socket error (an ICMP error for a reply) loses one answer;
    // it must not crash the engine, and the client retries.
    udp.on('error', () => undefined);
    this.udp = udp;
    const tcp = net.createServer((sock) => this.serveTcp(sock));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: this.opts.address, port }, () => { tcp.off('error', reject); resolve(); });
      });
    } catch (err) {
      udp.close();
      this.udp = undefined;
      throw err;
    }
    this.tcp = tcp;
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    // Open TCP clients would hold close() until their idle timeout.
    for (const sock of this.clients) sock.destroy();
    this.clients.clear();
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((resolve, reject) => tcp.close((err) => (err ? reject(err) : resolve())));
  }

  private serveTcp(sock: net.Socket): void {
    this.clients.add(sock);
    sock.on('close', () => this.clients.delete(sock));
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    // Deliberate: a client resetting its connection only ends that connection.
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(Buffer.from(msg), sock.remoteAddress?.replace(/^::ffff:/, '')).then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** The reply to one query message, or undefined for garbage (dropped like most servers do). */
  async answer(msg: Buffer, clientIp?: string): Promise<Buffer | undefined> {
    let query: Query;
    try {
      query = parseQuery(msg);
    } catch {
      return undefined;
    }
    const q = query.questions[0];
    if (!q || (query.flags & 0x8000) !== 0) return undefined;
    const local = this.resolve(q.name, clientIp);
    if (local.length > 0) {
      // Known name: A gets the addresses; other types (AAAA...) get an empty NOERROR, not a forward.
      return buildResponse(query, { rcode: RCODE_NOERROR, addresses: q.type === TYPE_A ? local : [], authoritative: true });
    }
    const forwarded = await this.forward(msg);
    return forwarded ?? buildResponse(query, { rcode: this.opts.upstreams.length ? RCODE_SERVFAIL : RCODE_NXDOMAIN });
  }

  private resolve(name: string, clientIp: string | undefined): string[] {
    const servers = clientIp !== undefined && this.opts.scope ? this.opts.scope(clientIp) : [this];
    for (const s of servers) {
      const found = s.lookup(name);
      if (found.length) return found;
    }
    return [];
  }

  /** Tries each upstream in turn over UDP; the reply is relayed unchanged (same id). */
  private async forward(msg: Buffer): Promise<Buffer | undefined> {
    for (const up of this.opts.upstreams) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const sock = dgram.createSocket('udp4');
        const done = (value: Buffer | undefined) => {
          clearTimeout(timer);
          sock.close();
          resolve(value);
        };
        const timer = setTimeout(() => done(undefined), this.opts.timeoutMs ?? 2000);
        sock.on('error', () => done(undefined)); // this upstream failed: the next one is tried
        sock.on('message', (m) => { if (m.length >= 2 && m.readUInt16BE(0) === msg.readUInt16BE(0)) done(m); });
        sock.send(msg, up.port, up.host);
      });
      if (reply) return reply;
    }
    return undefined;
  }
}
