// Holds published host ports by binding them in the engine process, as Docker does: a port
// already bound by a host program is refused before the container starts, and nobody can
// take it while published. No traffic flows through these sockets; DNAT answers first.
import net from 'node:net';
import dgram from 'node:dgram';
import { PortInUse } from '../errors.js';
import type { PortMapping } from './ports.js';

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

/** Binds every mapping (port 0 picks an ephemeral one); all or nothing. */
export async function holdPorts(mappings: readonly PortMapping[]): Promise<HeldPort[]> {
  const held: HeldPort[] = [];
  try {
    for (const m of mappings) {
      const hold = m.proto === 'udp' ? holdUdp : holdTcp;
      let h;
      const end = m.hostPortEnd && m.hostPort > 0 ? m.hostPortEnd : m.hostPort;
      for (let port = m.hostPort; port <= end && !h; port++) {
        try {
          h = await hold(m.hostIp, port);
        } catch (err) {
          if (port === end) {
            const code = (err as NodeJS.ErrnoException).code ?? String(err);
            throw new PortInUse(m.hostIp || '0.0.0.0', m.hostPort, m.proto, end === m.hostPort ? code : `${code} on every port up to ${end}`);
          }
        }
      }
      const { hostPortEnd: _range, ...mapping } = m;
      held.push({ mapping: { ...mapping, hostPort: h!.port }, close: h!.close });
    }
    return held;
  } catch (err) {
    await Promise.allSettled(held.map((h) => h.close()));
    throw err;
  }
}
