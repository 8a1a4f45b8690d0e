// Holds published host ports by binding them in the engine process, as Docker does: a port
// already bound by a host program is refused before the container starts, and nobody can
// take it while published. No traffic flows through these sockets; DNAT answers first.
import net from 'node:net';
import dgram from 'node:dgram';
import { PortInUse } from '../errors.js';
import type { PortMapping } from '../wire/ports.js';

export interface HeldPort { mapping: PortMapping; close(): Promise<void> }

function holdTcp(hostIp: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => sock.destroy());
    server.once('error', reject);
    server.listen({ host: hostIp || '0.0.0.0', port, exclusive: true }, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({ port: addr.port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

function holdUdp(hostIp: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    sock.once('error', reject);
    // Datagrams that reach the socket (none should: DNAT runs first) are dropped unread.
    sock.on('message', () => undefined);
    sock.bind({ address: hostIp || '0.0.0.0', port, exclusive: true }, () => {
      resolve({ port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) });
    });
  });
}

/** Binds one mapping: its port (0 = an ephemeral one) or, for a host range, the first free port of the range. */
async function holdOne(m: PortMapping): Promise<HeldPort> {
  const hold = m.proto === 'udp' ? holdUdp : holdTcp;
  const last = m.hostPort > 0 && m.hostPortEnd !== undefined ? m.hostPortEnd : m.hostPort;
  for (let port = m.hostPort; ; port++) {
    try {
      const h = await hold(m.hostIp, port);
      const { hostPortEnd: _range, ...mapping } = m;
      return { mapping: { ...mapping, hostPort: h.port }, close: h.close };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      // Only a port in use moves on to the next one of a range; any other failure is final.
      if (port < last && code === 'EADDRINUSE') continue;
      const detail = last === m.hostPort ? code : `${code}: no free port in ${m.hostPort}-${last}/${m.proto}`;
      throw new PortInUse(m.hostIp || '0.0.0.0', m.hostPort, m.proto, detail);
    }
  }
}

/** Binds every mapping, in order (a later range skips ports taken by an earlier one); all or nothing. */
export async function holdPorts(mappings: readonly PortMapping[]): Promise<HeldPort[]> {
  const held: HeldPort[] = [];
  try {
    for (const m of mappings) held.push(await holdOne(m));
    return held;
  } catch (err) {
    // The bind error is what the caller needs; closing sockets we just opened cannot fail in a way worth more.
    await Promise.allSettled(held.map((h) => h.close()));
    throw err;
  }
}
