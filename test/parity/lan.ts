// A "LAN host": a network namespace joined to the host by a veth pair, in 198.18.0.0/15
// (benchmarking range, never routed outside). It serves one page on :8081 so containers
// can reach "the LAN", and runs curl towards the host's published ports.
// The third octet is random (198.19.R.0/24) so concurrent test runs of teammates do not collide.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/util/exec.js';
import { PAGE } from './scenarios.js';

export interface LanHost { ns: string; hostVeth: string; hostIp: string; lanIp: string }

/** Pure: the names and addresses of one LAN host (ifnames stay under 15 chars). */
export function lanPlan(suffix: string, octet: number): LanHost {
  return { ns: `e-lan-${suffix}`, hostVeth: `e-lh-${suffix}`, hostIp: `198.19.${octet}.1`, lanIp: `198.19.${octet}.2` };
}

/** Pure: the ip(8) commands that build it, in order. */
export function lanSetupCommands(l: LanHost): string[][] {
  const peer = `${l.hostVeth}p`;
  return [
    ['netns', 'add', l.ns],
    ['link', 'add', l.hostVeth, 'type', 'veth', 'peer', 'name', peer, 'netns', l.ns],
    ['addr', 'add', `${l.hostIp}/24`, 'dev', l.hostVeth],
    ['link', 'set', l.hostVeth, 'up'],
    ['-n', l.ns, 'addr', 'add', `${l.lanIp}/24`, 'dev', peer],
    ['-n', l.ns, 'link', 'set', peer, 'up'],
    ['-n', l.ns, 'link', 'set', 'lo', 'up'],
    ['-n', l.ns, 'route', 'add', 'default', 'via', l.hostIp],
  ];
}

export class LanHostRun {
  readonly plan: LanHost;
  private server?: ChildProcess;
  private dir?: string;

  constructor() {
    this.plan = lanPlan(randomBytes(3).toString('hex'), 1 + Math.floor(Math.random() * 250));
  }

  async start(): Promise<void> {
    for (const args of lanSetupCommands(this.plan)) await run('ip', args);
    this.dir = mkdtempSync(join(tmpdir(), 'e-lan-'));
    writeFileSync(join(this.dir, 'index.html'), `${PAGE}\n`);
    this.server = spawn('ip', ['netns', 'exec', this.plan.ns, 'busybox', 'httpd', '-f', '-p', `${this.plan.lanIp}:8081`, '-h', this.dir], { stdio: 'ignore' });
    // wait until it answers (from the host, over the veth)
    for (let i = 0; i < 50; i++) {
      const r = await run('curl', ['-s', '-m', '1', `http://${this.plan.lanIp}:8081/index.html`], { okExitCodes: Array.from({ length: 256 }, (_, k) => k) });
      if (r.stdout.includes(PAGE)) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`lan host web server did not answer on ${this.plan.lanIp}:8081`);
  }

  /** Removes the server, the veth (its peer goes with it) and the netns; goes on past failures. */
  async stop(): Promise<void> {
    if (this.server?.pid && this.server.exitCode === null) this.server.kill('SIGKILL');
    await run('ip', ['link', 'del', this.plan.hostVeth], { okExitCodes: [1] }).catch(() => undefined);
    await run('ip', ['netns', 'del', this.plan.ns], { okExitCodes: [1] }).catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
