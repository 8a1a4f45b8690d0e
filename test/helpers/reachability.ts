// The reachability matrix of one network, run the same way on minidock's own bridge and on a
// CNI network (issue 15): container to container, a published port reached from the host
// (127.0.0.1 and the host's own address) and from a LAN host (a netns the test made, see
// test/parity/lan.ts), and outbound NAT: a container reaching the LAN host is seen there with
// the host's address as its source. Traffic stays on loopback and in the test's namespaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from '../../src/util/exec.js';
import type { LanHost } from '../parity/lan.js';
import { PAGE } from '../parity/scenarios.js';
import type { TestEngine } from './cli.js';

const ALL = Array.from({ length: 256 }, (_, k) => k);

/** What each cell of the matrix gave: 'reachable' or what went wrong; `outboundSource` is the address the LAN host saw. */
export interface Matrix {
  c2c: string;
  hostLoopback: string;
  hostAddress: string;
  lanToPublished: string;
  containerToLan: string;
  outboundSource: string;
}

/** A TCP server in the LAN netns that answers each connection with the peer's address, then closes. */
export class SourceEcho {
  private proc?: ChildProcess;
  constructor(private readonly lan: LanHost, readonly port: number) {}

  async start(): Promise<void> {
    const js = `require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(${this.port}, '${this.lan.lanIp}', () => console.log('up'))`;
    this.proc = spawn('ip', ['netns', 'exec', this.lan.ns, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      this.proc!.stdout!.once('data', () => resolve());
      this.proc!.once('exit', (code) => reject(new Error(`source echo server in ${this.lan.ns} exited (${code})`)));
    });
  }

  /** Kills the server (by its own pid; `ip netns exec` execs node, so that pid is node's). */
  stop(): void {
    if (this.proc?.pid && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

/** Repeats `probe` until it says 'reachable' (a server may still be starting), at most `times` times. */
async function until(times: number, probe: () => Promise<string>): Promise<string> {
  let last = '';
  for (let i = 0; i < times; i++) {
    last = await probe();
    if (last === 'reachable') return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

const page = (exit: number, out: string, err: string) => (exit === 0 && out.includes(PAGE) ? 'reachable' : `unreachable (exit ${exit}: ${(out + err).trim().slice(0, 200)})`);

/**
 * Starts a web server (`-p` to an ephemeral host port) and a client on `network`, runs the
 * matrix and removes both containers again (also when a cell throws).
 */
export async function runMatrix(eng: TestEngine, o: { network: string; image: string; lan: LanHost; echo: SourceEcho; prefix: string }): Promise<Matrix> {
  const web = `${o.prefix}web`;
  const client = `${o.prefix}client`;
  const ok = async (args: string[]) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw new Error(`minidock ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const inContainer = async (name: string, script: string) => {
    const r = await eng.cli(['exec', name, 'timeout', '5', 'sh', '-c', script], { timeoutMs: 20_000 });
    return { exit: r.exitCode, out: r.stdout, err: r.stderr };
  };
  const curl = async (inLan: boolean, url: string) => {
    const argv = ['-s', '-m', '3', url];
    const r = await run(inLan ? 'ip' : 'curl', inLan ? ['netns', 'exec', o.lan.ns, 'curl', ...argv] : argv, { okExitCodes: ALL, timeoutMs: 20_000 });
    return page(r.exitCode, r.stdout, r.stderr);
  };
  try {
    await ok(['run', '-d', '--name', web, '--network', o.network, '-p', '8080', o.image,
      'sh', '-c', `mkdir -p /srv && echo ${PAGE} > /srv/index.html && exec httpd -f -p 8080 -h /srv`]);
    await ok(['run', '-d', '--name', client, '--network', o.network, o.image, 'sleep', '600']);
    const ip = JSON.parse(await ok(['inspect', web]))[0].NetworkSettings.Networks[o.network].IPAddress as string;
    const port = Number((await ok(['port', web, '8080/tcp'])).trim().split('\n')[0]!.split(':').pop());
    const get = `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3`;
    const c2c = await until(20, async () => { const r = await inContainer(client, `${get} ${ip} 8080`); return page(r.exit, r.out, r.err); });
    const hostLoopback = await until(10, () => curl(false, `http://127.0.0.1:${port}/index.html`));
    const hostAddress = await until(10, () => curl(false, `http://${o.lan.hostIp}:${port}/index.html`));
    const lanToPublished = await until(10, () => curl(true, `http://${o.lan.hostIp}:${port}/index.html`));
    const lanPage = await inContainer(client, `${get} ${o.lan.lanIp} 8081`);
    const containerToLan = page(lanPage.exit, lanPage.out, lanPage.err);
    const echoed = await inContainer(client, `nc -w 3 ${o.lan.lanIp} ${o.echo.port} </dev/null`);
    const outboundSource = echoed.exit === 0 ? echoed.out.trim() : `failed (exit ${echoed.exit}: ${echoed.err.trim()})`;
    return { c2c, hostLoopback, hostAddress, lanToPublished, containerToLan, outboundSource };
  } finally {
    await eng.cli(['rm', '-f', web, client], { timeoutMs: 60_000 });
  }
}

/** What every network must give: everything reachable, and the LAN host sees the host's address. */
export const expectedMatrix = (lan: LanHost): Matrix => ({
  c2c: 'reachable', hostLoopback: 'reachable', hostAddress: 'reachable', lanToPublished: 'reachable',
  containerToLan: 'reachable', outboundSource: lan.hostIp,
});
