// Small host-side probes for tests that publish ports: a free tcp port, a GET from loopback.
import http from 'node:http';
import net from 'node:net';

/** Whether nothing listens on 0.0.0.0:port (tcp) right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '0.0.0.0', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports below the ephemeral range (32768+), so no outgoing connection holds one. */
export async function freeRange(count: number, from = 28150): Promise<number> {
  for (let base = from; base < 32000; base += 50) {
    const ok = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port range found for the test');
}

/** GET http://127.0.0.1:port/ and its body. */
export function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port} timed out`)));
    req.on('error', reject);
  });
}
