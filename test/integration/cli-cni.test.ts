// CNI networks end to end (issue 15): a network made from Debian's bridge + host-local +
// portmap + firewall plugins passes the same reachability matrix as minidock's own bridge
// (test/helpers/reachability.ts: c2c, a published port from the host and from a LAN host,
// outbound NAT), refuses by name what it cannot do, keeps its containers attached across an
// engine restart, DELs a container that died while the engine was down, and leaves nothing
// of the plugins behind. Root only; own engine, bridge, subnet, IPAM dir and LAN host; the
// iptables chains the plugins create are removed by exact name if this test created them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { LanHostRun } from '../parity/lan.js';
import { SourceEcho, expectedMatrix, runMatrix } from '../helpers/reachability.js';
import { run } from '../../src/util/exec.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const SFX = randomBytes(3).toString('hex');
const LIST = `mdcni-${SFX}`;
const BRIDGE = `cnit${SFX}`;
/** The chains the plugins share between containers (portmap, firewall); per-container ones go with DEL. */
const SHARED_CHAINS = { nat: ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'], filter: ['CNI-FORWARD', 'CNI-ADMIN'] } as const;

/** `-N` chains of one iptables table. */
async function chains(table: 'nat' | 'filter'): Promise<string[]> {
  const r = await run('iptables', ['-t', table, '-S']);
  return r.stdout.split('\n').filter((l) => l.startsWith('-N ')).map((l) => l.slice(3).trim());
}

/** Every iptables rule line that names `what` (a container id, the list's name). */
async function rulesNaming(what: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of ['nat', 'filter']) out.push(...(await run('iptables', ['-t', t, '-S'])).stdout.split('\n').filter((l) => l.includes(what)));
  return out;
}

/** A chain this test made: the rules jumping to it (deleted by number, last first, in every chain of the table), then the chain. */
async function removeChain(table: string, chain: string): Promise<string[]> {
  const errors: string[] = [];
  const all = (await run('iptables', ['-t', table, '-S'])).stdout.split('\n');
  const owners = [...new Set(all.filter((l) => l.startsWith('-A ')).map((l) => l.split(' ')[1]!))];
  for (const owner of owners) {
    const rules = (await run('iptables', ['-t', table, '-S', owner])).stdout.split('\n').filter((l) => l.startsWith('-A '));
    const jumps = rules.map((l, i) => (l.endsWith(` -j ${chain}`) ? i + 1 : 0)).filter((n) => n > 0).reverse();
    for (const n of jumps) await run('iptables', ['-t', table, '-D', owner, String(n)]).catch((e) => errors.push(String(e)));
  }
  await run('iptables', ['-t', table, '-F', chain]).catch((e) => errors.push(String(e)));
  await run('iptables', ['-t', table, '-X', chain]).catch((e) => errors.push(String(e)));
  return errors;
}

/** A /24 in 10.216-250.x.0 that no host route covers (TestEngine's default bridges take 10.16-215.x). */
async function freeSubnet(): Promise<string> {
  const routes = (await run('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout;
  for (let i = 0; i < 50; i++) {
    const s = `10.${216 + Math.floor(Math.random() * 35)}.${Math.floor(Math.random() * 256)}`;
    if (!routes.includes(`${s}.`)) return `${s}.0/24`;
  }
  throw new Error('no free 10.x subnet for the cni test network');
}

describe.skipIf(!isRoot)('cli: cni networks (root)', () => {
  let eng: TestEngine;
  let lan: LanHostRun | undefined;
  let echo: SourceEcho | undefined;
  let dir = '';
  let conflist = '';
  let subnet = '';
  const before = { nat: [] as string[], filter: [] as string[] };

  beforeAll(async () => {
    for (const t of ['nat', 'filter'] as const) before[t] = await chains(t);
    eng = await engineWithImages([IMAGE]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cni-'));
    subnet = await freeSubnet();
    conflist = path.join(dir, `${LIST}.conflist`);
    await fs.writeFile(conflist, JSON.stringify({
      cniVersion: '1.0.0', name: LIST,
      plugins: [
        { type: 'bridge', bridge: BRIDGE, isGateway: true, ipMasq: true, hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(dir, 'ipam') } },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'firewall' },
      ],
    }, null, 2));
    lan = new LanHostRun();
    await lan.start();
    echo = new SourceEcho(lan.plan, 8082);
    await echo.start();
  }, 300_000);

  afterAll(async () => {
    const errors: string[] = [];
    echo?.stop();
    await lan?.stop().catch((e) => errors.push(String(e)));
    // containers (DEL), networks (the cni bridge), the engine's own bridge and table
    if (eng) errors.push(...(await eng.destroy()));
    const left = await run('ip', ['link', 'show', BRIDGE], { okExitCodes: [0, 1] });
    if (left.exitCode === 0) {
      errors.push(`bridge ${BRIDGE} left behind`);
      await run('ip', ['link', 'del', BRIDGE]).catch((e) => errors.push(String(e)));
    }
    const rules = await rulesNaming(LIST);
    if (rules.length) errors.push(`iptables rules of ${LIST} left: ${rules.join(' | ')}`);
    for (const t of ['nat', 'filter'] as const) {
      for (const c of SHARED_CHAINS[t]) if (!before[t].includes(c) && (await chains(t)).includes(c)) errors.push(...(await removeChain(t, c)));
      const mine = (await chains(t)).filter((c) => c.startsWith('CNI-') && !before[t].includes(c));
      if (mine.length) errors.push(`iptables ${t} chains left: ${mine.join(', ')}`);
    }
    const leases = await fs.readdir(path.join(dir, 'ipam', LIST)).catch(() => [] as string[]);
    if (leases.some((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))) errors.push(`ipam leases left: ${leases.join(', ')}`);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(errors).toEqual([]);
  }, 180_000);

  const ok = async (args: string[]) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const fails = async (args: string[]) => {
    const r = await eng.cli(args, { timeoutMs: 60_000 });
    expect(r.exitCode, `${args.join(' ')} should fail`).not.toBe(0);
    return r.stderr;
  };
  const leases = async () => (await fs.readdir(path.join(dir, 'ipam', LIST)).catch(() => [] as string[])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));

  it('creates a cni network from a list and refuses what a cni network cannot do, by name', async () => {
    expect(await fails(['network', 'create', '--driver', 'cni', `${LIST}-x`])).toMatch(/needs --opt config=/);
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, '--subnet', '10.250.250.0/24', `${LIST}-x`])).toMatch(/--subnet is not supported with the cni driver/);
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, '--internal', `${LIST}-x`])).toMatch(/--internal is not supported/);
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, '--ipv6', `${LIST}-x`])).toMatch(/--ipv6 is not supported/);
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', 'config=./x.conflist', `${LIST}-x`])).toMatch(/must be absolute/);
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, '--opt', 'mtu=1400', `${LIST}-x`])).toMatch(/network option mtu is not supported by the cni driver/);
    expect(await fails(['network', 'create', '--opt', 'mtu=1400', `${LIST}-x`])).toMatch(/network option mtu is not supported by the bridge driver/);

    await ok(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, LIST]);
    // one minidock network per list (the plugins key their state by its name)
    expect(await fails(['network', 'create', '--driver', 'cni', '--opt', `config=${conflist}`, `${LIST}-2`])).toMatch(/already used by network/);
    const [net] = JSON.parse(await ok(['network', 'inspect', LIST]));
    expect(net).toMatchObject({ Name: LIST, Driver: 'cni', Options: { config: conflist } });

    expect(await fails(['run', '--rm', '--network', LIST, '--ip', subnet.replace('0/24', '50'), IMAGE, 'true'])).toMatch(/--ip is not supported on cni network/);
    expect(await fails(['run', '--rm', '--network', LIST, '--network-alias', 'foo', IMAGE, 'true'])).toMatch(/--network-alias is not supported on cni network/);
    expect(await fails(['run', '--rm', '--network', LIST, '--mac-address', '02:42:0a:00:00:09', IMAGE, 'true'])).toMatch(/--mac-address is not supported on cni network/);
  }, 120_000);

  it('passes the same reachability matrix as minidock\'s own bridge', async () => {
    await ok(['network', 'create', `own-${SFX}`]);
    const own = await runMatrix(eng, { network: `own-${SFX}`, image: IMAGE, lan: lan!.plan, echo: echo!, prefix: 'own' });
    const cni = await runMatrix(eng, { network: LIST, image: IMAGE, lan: lan!.plan, echo: echo!, prefix: 'cni' });
    expect(own).toEqual(expectedMatrix(lan!.plan));
    expect(cni).toEqual(expectedMatrix(lan!.plan));
    await ok(['network', 'rm', `own-${SFX}`]);
    // the matrix's containers are gone: DEL took their leases and rules
    expect(await leases()).toEqual([]);
    expect(await rulesNaming(LIST)).toEqual([]);
  }, 300_000);

  it('enforces a network policy whose namespace is the cni network', async () => {
    await ok(['run', '-d', '--name', 'pweb', '--label', 'app=web', '--network', LIST, IMAGE,
      'sh', '-c', 'mkdir -p /www && echo hello-cni > /www/index.html && exec httpd -f -p 80 -h /www']);
    await ok(['run', '-d', '--name', 'pclient', '--network', LIST, IMAGE, 'sleep', '600']);
    const webIp = JSON.parse(await ok(['inspect', 'pweb']))[0].NetworkSettings.Networks[LIST].IPAddress as string;
    const fetch = async () => {
      const r = await eng.cli(['exec', 'pclient', 'timeout', '5', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${webIp} 80`], { timeoutMs: 20_000 });
      return r.exitCode === 0 && r.stdout.includes('hello-cni');
    };
    let first = false;
    for (let i = 0; i < 20 && !first; i++) first = await fetch();
    expect(first).toBe(true);
    const file = path.join(dir, 'deny.yaml');
    await fs.writeFile(file, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-web, namespace: ${LIST}}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
`);
    await ok(['policy', 'apply', '-f', file]);
    const [detail] = JSON.parse(await ok(['policy', 'inspect', `${LIST}/deny-web`]));
    expect(detail.Selected).toEqual([webIp]);
    expect(await fetch()).toBe(false);
    await ok(['policy', 'rm', `${LIST}/deny-web`]);
    expect(await fetch()).toBe(true);
    await ok(['rm', '-f', 'pweb', 'pclient']);
  }, 180_000);

  it('keeps attachments across an engine restart, DELs a container that died meanwhile, connects and disconnects a running one', async () => {
    await ok(['run', '-d', '--name', 'keep', '--network', LIST, IMAGE, 'sleep', '600']);
    await ok(['run', '-d', '--name', 'dies', '--network', LIST, '-p', '8080', IMAGE, 'sleep', '600']);
    const info = async (name: string) => JSON.parse(await ok(['inspect', name]))[0];
    const keep = await info('keep');
    const dies = await info('dies');
    const keepIp = keep.NetworkSettings.Networks[LIST].IPAddress as string;
    const diesIp = dies.NetworkSettings.Networks[LIST].IPAddress as string;
    expect(keepIp).toMatch(new RegExp(`^${subnet.replace('.0/24', '').replaceAll('.', '\\.')}\\.\\d+$`));
    expect(keep.NetworkSettings.Networks[LIST]).toMatchObject({ IPPrefixLen: 24, Gateway: subnet.replace('0/24', '1') });
    expect((await leases()).sort()).toEqual([keepIp, diesIp].sort());
    expect((await rulesNaming(dies.Id)).length).toBeGreaterThan(0); // its masquerade and its port

    await eng.stop('SIGTERM');
    process.kill(dies.State.Pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try { process.kill(dies.State.Pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    await eng.start();

    expect((await info('dies')).State.Status).toBe('exited');
    expect(await leases()).toEqual([keepIp]);
    expect(await rulesNaming(dies.Id)).toEqual([]);
    expect((await info('keep')).NetworkSettings.Networks[LIST].IPAddress).toBe(keepIp);
    // still attached: it reaches its gateway
    await ok(['exec', 'keep', 'ping', '-c', '1', '-W', '3', subnet.replace('0/24', '1')]);

    // connect and disconnect while running: ADD and DEL in the live netns (eth1 comes and goes)
    await ok(['run', '-d', '--name', 'joins', IMAGE, 'sleep', '600']);
    expect(await fails(['network', 'connect', '--alias', 'db', LIST, 'joins'])).toMatch(/--network-alias is not supported on cni network/);
    await ok(['network', 'connect', LIST, 'joins']);
    const joinIp = (await info('joins')).NetworkSettings.Networks[LIST].IPAddress as string;
    expect(await ok(['exec', 'joins', 'ip', '-o', '-4', 'addr', 'show', 'eth1'])).toContain(`${joinIp}/24`);
    expect((await leases()).sort()).toEqual([keepIp, joinIp].sort());
    await ok(['network', 'disconnect', LIST, 'joins']);
    expect((await eng.cli(['exec', 'joins', 'ip', 'link', 'show', 'eth1'])).exitCode).not.toBe(0);
    expect(await leases()).toEqual([keepIp]);

    await ok(['rm', '-f', 'keep', 'dies', 'joins']);
    expect(await leases()).toEqual([]);
    expect(await rulesNaming(LIST)).toEqual([]);
    await ok(['network', 'rm', LIST]);
    expect((await run('ip', ['link', 'show', BRIDGE], { okExitCodes: [0, 1] })).exitCode).toBe(1);
  }, 300_000);
});
