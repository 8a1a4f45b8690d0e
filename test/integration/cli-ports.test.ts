// Published host-port ranges end to end: `minidock run -p <start>-<end>:80` takes the first
// free port of the range (a port bound by a host program is skipped), the next container the
// next one, a full range is a clear PortInUse error; inspect/ps/port show the chosen port and
// an httpd in each container answers on it from 127.0.0.1. Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { freeRange, get, portFree } from '../helpers/http.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

/** An httpd serving `name` at / on port 80 inside the container. */
const httpd = (name: string) => ['sh', '-c', `mkdir -p /www && echo hello-${name} > /www/index.html && exec httpd -f -p 80 -h /www`];

describe.skipIf(!isRoot)('cli: published port ranges (root)', () => {
  let eng: TestEngine;
  let listener: net.Server | undefined;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (listener) await new Promise<void>((r) => listener!.close(() => r()));
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  it('takes the first free port of a range per container, skips a port a host program holds, refuses a full range', async () => {
    const base = await freeRange(4);
    const range = `${base}-${base + 3}`;
    // A host program on 127.0.0.1:base: the engine cannot bind 0.0.0.0:base, so base is skipped.
    listener = net.createServer((s) => s.end('host-program'));
    await new Promise<void>((r) => listener!.listen({ host: '127.0.0.1', port: base }, () => r()));

    const run = (name: string) => eng.cli(['run', '-d', '--name', name, '-p', `${range}:80`, IMAGE, ...httpd(name)]);
    const a = await run('rga');
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await run('rgb');
    expect(b.exitCode, b.stderr).toBe(0);

    expect((await eng.cli(['port', 'rga', '80'])).stdout).toBe(`0.0.0.0:${base + 1}\n`);
    expect((await eng.cli(['port', 'rgb'])).stdout).toBe(`80/tcp -> 0.0.0.0:${base + 2}\n`);
    const [info] = JSON.parse((await eng.cli(['inspect', 'rga'])).stdout);
    // docker: the request keeps the range, NetworkSettings shows the port taken.
    expect(info.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: range }] });
    expect(info.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(base + 1) }] });
    const ps = (await eng.cli(['ps'])).stdout;
    expect(ps).toMatch(new RegExp(`0\\.0\\.0\\.0:${base + 1}->80/tcp +rga\\n`));
    expect(ps).toMatch(new RegExp(`0\\.0\\.0\\.0:${base + 2}->80/tcp +rgb\\n`));

    // Each httpd answers through its chosen port; the host program still has its own.
    let bodies: string[] = [];
    for (let i = 0; i < 50; i++) {
      bodies = await Promise.all([get(base + 1), get(base + 2)]).catch(() => []);
      if (bodies.length) break;
      await new Promise((r) => setTimeout(r, 100)); // httpd may still be starting
    }
    expect(bodies).toEqual(['hello-rga\n', 'hello-rgb\n']);
    const direct = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: base }, () => undefined);
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(direct).toBe('host-program');

    const c = await run('rgc');
    expect(c.exitCode, c.stderr).toBe(0);
    expect((await eng.cli(['port', 'rgc', '80/tcp'])).stdout).toBe(`0.0.0.0:${base + 3}\n`);
    const full = await run('rgd');
    expect(full.exitCode).toBe(125);
    expect(full.stderr).toContain(`port is already allocated (EADDRINUSE: no free port in ${range}/tcp)`);
    expect((await eng.cli(['rm', '-f', 'rgd'])).exitCode).toBe(0);

    // Removing a container frees its port for the next one.
    expect((await eng.cli(['rm', '-f', 'rgb'])).exitCode).toBe(0);
    const e = await run('rge');
    expect(e.exitCode, e.stderr).toBe(0);
    expect((await eng.cli(['port', 'rge', '80'])).stdout).toBe(`0.0.0.0:${base + 2}\n`);
    expect((await eng.cli(['rm', '-f', 'rga', 'rgc', 'rge'])).exitCode).toBe(0);
    for (const p of [1, 2, 3]) expect(await portFree(base + p)).toBe(true);
  }, 120_000);

  it('refuses an IPv6 host address and sctp by name, creating nothing', async () => {
    const before = (await eng.cli(['ps', '-aq'])).stdout;
    const v6 = await eng.cli(['run', '--rm', '-p', '[::1]:8080:80', IMAGE, 'true']);
    expect(v6.exitCode).toBe(125);
    expect(v6.stderr).toContain('ipv6 host address ::1 is not supported (in [::1]:8080:80): minidock networks are ipv4 only');
    const sctp = await eng.cli(['run', '--rm', '-p', '9000:9000/sctp', IMAGE, 'true']);
    expect(sctp.exitCode).toBe(125);
    expect(sctp.stderr).toContain('sctp is not supported (in 9000:9000/sctp)');
    expect((await eng.cli(['ps', '-aq'])).stdout).toBe(before);
  });
});
