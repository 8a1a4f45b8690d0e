// Teardown goes on past failures and returns every error together: the whole service
// against a recording fake OS (no root; the records live in a temp dir, held ports bind
// real sockets on 127.0.0.1, the DNS server of the user network binds 127.77.0.1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TeardownError } from '../../src/errors.js';
import { NetworkService } from '../../src/network/index.js';
import { FakeOs } from './network-fake-os.js';

let root: string;
let fake: FakeOs;
let svc: NetworkService;

const req = (n: number, extra: object = {}) => ({ containerId: `c${n}`.padEnd(64, '0'), containerName: `c${n}`, pid: 1000 + n, ifName: 'eth0', aliases: [], ports: [], ...extra });
const busy = 'Error: Could not process rule: Device or resource busy';

async function bindable(port: number): Promise<boolean> {
  const s = net.createServer();
  const ok = await new Promise<boolean>((r) => { s.once('error', () => r(false)); s.listen(port, '127.0.0.1', () => r(true)); });
  if (ok) await new Promise((r) => s.close(r));
  return ok;
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'md-net-teardown-'));
  fake = new FakeOs();
  svc = new NetworkService({ root, run: path.join(root, 'run') }, { os: fake, defaultBridge: 'mdt0', defaultSubnet: '10.250.0.0/24', nftTable: 't', dnsPort: 0, dnsUpstreams: [], resolvConfPath: path.join(root, 'resolv.conf') });
  expect(await svc.init(() => true)).toEqual({ warnings: [] });
});

afterEach(async () => {
  fake.fail = () => undefined;
  await svc.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('disconnect', () => {
  it('tries every step past failures, drops the record and raises one TeardownError listing each failure', async () => {
    const [port] = await svc.reservePorts(req(1).containerId, [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' }]);
    const ep = await svc.connect('bridge', req(1, { ports: [port] }));
    expect(fake.links.has(ep.hostVeth)).toBe(true);
    expect(await bindable(port.hostPort)).toBe(false);
    fake.calls.length = 0;
    fake.fail = (c) => (c.cmd === 'nft' && c.input?.includes('delete element') ? busy
      : c.cmd === 'ip' && c.args[1] === 'del' ? 'RTNETLINK answers: Operation not permitted' : undefined);

    const err = await svc.disconnect('bridge', req(1).containerId).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    const errors = (err as TeardownError).errors.map(String);
    expect(errors).toHaveLength(2); // the port's nft delete (batch, then alone) and the veth
    expect(errors.filter((e) => e.includes('Device or resource busy'))).toHaveLength(1);
    expect(errors.filter((e) => e.includes(`ip link del ${ep.hostVeth}`))).toHaveLength(1);
    // The link was still tried after the firewall failed; the port and the address are free.
    expect(fake.lines().some((l) => l === `ip link del ${ep.hostVeth}`)).toBe(true);
    expect(await bindable(port.hostPort)).toBe(true);
    expect((await svc.get('bridge')).endpoints).toEqual({});
  });

  it('refuses a container that is not connected, naming both', async () => {
    await expect(svc.disconnect('bridge', 'nope')).rejects.toThrow('container nope is not connected to network bridge');
  });
});

describe('releaseContainer', () => {
  it('goes through every network of the container and reports the failures of all of them together', async () => {
    const user = await svc.create({ name: 'u1', subnet: '127.77.0.0/24' });
    const e1 = await svc.connect('bridge', req(2));
    const e2 = await svc.connect(user.name, req(2, { ifName: 'eth1' }));
    fake.calls.length = 0;
    fake.fail = (c) => (c.cmd === 'ip' && c.args[1] === 'del' ? 'RTNETLINK answers: Operation not permitted' : undefined);
    const err = await svc.releaseContainer(req(2).containerId).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    const errors = (err as TeardownError).errors.map(String);
    expect(errors).toHaveLength(2);
    expect(errors.find((e) => e.includes(`ip link del ${e1.hostVeth}`))).toBeDefined();
    expect(errors.find((e) => e.includes(`ip link del ${e2.hostVeth}`))).toBeDefined();
    expect(Object.keys((await svc.get('bridge')).endpoints)).toEqual([]);
    expect(Object.keys((await svc.get('u1')).endpoints)).toEqual([]);
    // Idempotent: nothing left, nothing run.
    fake.fail = () => undefined;
    fake.calls.length = 0;
    await svc.releaseContainer(req(2).containerId);
    expect(fake.calls).toEqual([]);
    await svc.remove('u1');
  });
});

describe('network remove', () => {
  it('is refused with docker\'s status and message while endpoints exist', async () => {
    const user = await svc.create({ name: 'u2', subnet: '127.77.1.0/24' });
    await svc.connect(user.name, req(3));
    await expect(svc.remove('u2')).rejects.toMatchObject({ code: 'NetworkInUse', status: 403, message: `error while removing network: network u2 id ${user.id} has active endpoints` });
    await svc.releaseContainer(req(3).containerId);
    await svc.remove('u2');
  });

  it('tries every step past failures, keeps the record so a retry can finish, and the retry does', async () => {
    const user = await svc.create({ name: 'u3', subnet: '127.77.2.0/24' });
    fake.calls.length = 0;
    fake.fail = (c) => (c.cmd === 'nft' ? busy : c.cmd === 'ip' && c.args[1] === 'del' ? 'RTNETLINK answers: Device or resource busy' : undefined);
    const err = await svc.remove('u3').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    const lines = fake.lines();
    // The bridge was still deleted after the firewall failed, and every nft statement tried alone.
    expect(lines).toContain(`ip link del ${user.bridge}`);
    expect(lines.filter((l) => l.startsWith('nft -f - <<< delete ') && !l.includes(' | '))).toHaveLength(8);
    expect((err as TeardownError).errors).toHaveLength(9); // 4 map elements, 4 chains, the bridge
    expect((await svc.get('u3')).id).toBe(user.id);
    fake.fail = (c) => (c.cmd === 'ip' && c.args[1] === 'del' ? `Cannot find device "${user.bridge}"` : undefined);
    await svc.remove('u3');
    await expect(svc.get('u3')).rejects.toMatchObject({ code: 'NetworkNotFound' });
  });

  it('refuses the builtin networks', async () => {
    await expect(svc.remove('bridge')).rejects.toMatchObject({ status: 403, message: 'bridge is a pre-defined network and cannot be removed' });
  });
});

describe('create', () => {
  it('undoes a network whose setup failed and raises the setup error', async () => {
    fake.fail = (c) => (c.cmd === 'nft' && c.input?.includes('chain nw_') && !c.input.startsWith('delete') ? busy : undefined);
    await expect(svc.create({ name: 'u4', subnet: '127.77.3.0/24' })).rejects.toThrow('Device or resource busy');
    await expect(svc.get('u4')).rejects.toMatchObject({ code: 'NetworkNotFound' });
    expect([...fake.links]).toEqual(['mdt0']); // only the default bridge of init is left
  });

  it('adds a network\'s chains idempotently: its own chains are emptied before being filled', async () => {
    const user = await svc.create({ name: 'u5', subnet: '127.77.4.0/24' });
    const add = fake.calls.find((c) => c.cmd === 'nft' && c.input?.includes(`chain nw_${user.id.slice(0, 12)}_in {`));
    expect(add?.input?.startsWith(`add chain ip t nw_${user.id.slice(0, 12)}_in\nflush chain ip t nw_${user.id.slice(0, 12)}_in\n`)).toBe(true);
    expect(add?.input).not.toMatch(/flush (table|ruleset)/);
    await svc.remove('u5');
  });
});
