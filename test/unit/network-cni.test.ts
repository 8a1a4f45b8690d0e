// CNI networks without root: configuration lists and their checks, reading results, the
// plugin protocol against fake plugins (small shell scripts in a temp CNI_PATH that record
// their command, environment and stdin, and answer as the spec says), and the network
// service's CNI path (create, connect, failures undone, DEL on release and at engine start)
// with the recording fake OS for everything but the plugins.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CniError, TeardownError } from '../../src/errors.js';
import { NetworkService } from '../../src/network/index.js';
import { bridgeOf, findConfList, hasCapability, loadConfList, parseConfList } from '../../src/network/cni/config.js';
import { checkCniPorts, checkCniRequest, cniSource } from '../../src/network/cni/limits.js';
import { CniPlugins, type CniResult } from '../../src/network/cni/plugins.js';
import { CniAttach } from '../../src/network/cni/attach.js';
import type { NetnsPins } from '../../src/network/cni/netns.js';
import type { NetworkRecord } from '../../src/network/index.js';
import { addressOf, portMappingsOf } from '../../src/network/cni/result.js';
import { run } from '../../src/util/exec.js';
import { FakeOs } from './network-fake-os.js';

/**
 * A fake plugin: appends "<type> <command> <containerid> <netns> <ifname>" to `log` and its
 * stdin to `log.json`; VERSION answers 0.4.0 and 1.0.0; ADD answers `add-<type>.json` when it
 * exists (else passes prevResult on), fails with an error object when `fail-<type>` exists.
 */
const PLUGIN = `#!/bin/sh
d=$(dirname "$0"); t=$(basename "$0"); conf=$(cat)
printf '%s %s %s %s %s\\n' "$t" "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" >> "$d/log"
printf '%s\\n' "$conf" >> "$d/log.json"
case "$CNI_COMMAND" in
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
ADD)
  if [ -e "$d/fail-$t" ]; then echo '{"cniVersion":"1.0.0","code":11,"msg":"try again later","details":"busy"}'; exit 1; fi
  if [ -e "$d/add-$t.json" ]; then cat "$d/add-$t.json"; else printf '%s' "$conf" | sed -n 's/.*"prevResult":\\({.*}\\)}$/\\1/p'; fi ;;
esac
`;

const RESULT: CniResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'br0', mac: '02:00:00:00:00:01' }, { name: 'veth1', mac: '02:00:00:00:00:02' }, { name: 'eth0', mac: 'AA:BB:CC:00:00:05', sandbox: '/proc/1/ns/net' }],
  ips: [{ address: 'fd00::5/64', interface: 2 }, { address: '10.9.0.5/24', gateway: '10.9.0.1', interface: 2 }],
};

// every fake plugin call is a shell process: on a loaded machine a test takes seconds
vi.setConfig({ testTimeout: 30_000 });

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'md-cni-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

async function plugins(types: string[]): Promise<string> {
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin, { recursive: true });
  for (const t of types) await fs.writeFile(path.join(bin, t), PLUGIN, { mode: 0o755 });
  return bin;
}
const log = async (bin: string) => (await fs.readFile(path.join(bin, 'log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
const stdins = async (bin: string) => (await fs.readFile(path.join(bin, 'log.json'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const list = (over: object = {}) => parseConfList({
  cniVersion: '1.0.0', name: 'mynet',
  plugins: [{ type: 'fakebridge', bridge: 'cni7' }, { type: 'fakeportmap', capabilities: { portMappings: true }, snat: true }],
  ...over,
}, 'test.conflist');

describe('configuration lists', () => {
  it('reads a list, a single-plugin conf as a list of one, and refuses what is not one', () => {
    expect(list().plugins.map((p) => p.type)).toEqual(['fakebridge', 'fakeportmap']);
    const one = parseConfList({ cniVersion: '0.4.0', name: 'solo', type: 'bridge', bridge: 'b1' }, 'solo.conf');
    expect(one.plugins).toEqual([{ type: 'bridge', bridge: 'b1' }]);
    expect(() => parseConfList({ cniVersion: '1.0.0', plugins: [{ type: 'x' }] }, 'f')).toThrow(/cni config f: no name/);
    expect(() => parseConfList({ cniVersion: '0.2.0', name: 'n', plugins: [{ type: 'x' }] }, 'f')).toThrow(/cniVersion 0.2.0 is not supported/);
    expect(() => parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [] }, 'f')).toThrow(/no plugins/);
    expect(() => parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: '../sh' }] }, 'f')).toThrow(/plugin 1 has no valid type/);
  });

  it('finds a list by name in the directory (files in name order), or reads an absolute path', async () => {
    await fs.writeFile(path.join(dir, '10-a.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'a', plugins: [{ type: 'bridge' }] }));
    await fs.writeFile(path.join(dir, '20-b.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'b', plugins: [{ type: 'ptp' }] }));
    await fs.writeFile(path.join(dir, '30-broken.conflist'), '{ not json');
    expect((await findConfList(dir, 'b')).plugins[0]!.type).toBe('ptp');
    await expect(findConfList(dir, 'zzz')).rejects.toThrow(`cni config zzz not found in ${dir}`);
    expect((await loadConfList(path.join(dir, '10-a.conflist'), '/nonexistent')).name).toBe('a');
    expect((await loadConfList('a', dir)).name).toBe('a');
    await expect(loadConfList('./10-a.conflist', dir)).rejects.toThrow(/must be absolute/);
    await expect(loadConfList(path.join(dir, 'missing.conflist'), dir)).rejects.toThrow(/cni config .*missing.conflist/);
  });

  it('knows capabilities and the bridge a list makes', () => {
    expect(hasCapability(list(), 'portMappings')).toBe(true);
    expect(hasCapability(list(), 'ips')).toBe(false);
    expect(bridgeOf(parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'bridge', bridge: 'br9' }] }, 'f'))).toBe('br9');
    expect(bridgeOf(parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'bridge' }] }, 'f'))).toBe('cni0');
    expect(bridgeOf(parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'ptp' }] }, 'f'))).toBeUndefined();
  });
});

describe('what a cni network refuses', () => {
  it('takes only config= at create, and refuses the IPAM options by name', () => {
    expect(cniSource({ name: 'n', options: { config: 'mynet' } })).toBe('mynet');
    expect(() => cniSource({ name: 'n' })).toThrow(/needs --opt config=/);
    expect(() => cniSource({ name: 'n', options: { config: 'x', mtu: '1400' } })).toThrow(/network option mtu is not supported by the cni driver/);
    for (const [o, flag] of [[{ subnet: '10.0.0.0/24' }, '--subnet'], [{ gateway: '10.0.0.1' }, '--gateway'], [{ ipRange: '10.0.0.0/25' }, '--ip-range'], [{ ipv6: true }, '--ipv6'], [{ internal: true }, '--internal']] as const) {
      expect(() => cniSource({ name: 'n', options: { config: 'x' }, ...o })).toThrow(`${flag} is not supported with the cni driver`);
    }
  });

  it('refuses --ip, aliases, --mac-address, and -p without a portMappings plugin', () => {
    expect(() => checkCniRequest('n', { ip: '10.0.0.9' })).toThrow('--ip is not supported on cni network n');
    expect(() => checkCniRequest('n', { aliases: ['a'] })).toThrow('--network-alias is not supported on cni network n');
    expect(() => checkCniRequest('n', { mac: '02:42:00:00:00:01' })).toThrow('--mac-address is not supported on cni network n');
    expect(() => checkCniRequest('n', { aliases: [] })).not.toThrow();
    const noPorts = parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'bridge' }] }, 'f');
    expect(() => checkCniPorts('n', noPorts, true)).toThrow(/portMappings capability/);
    expect(() => checkCniPorts('n', noPorts, false)).not.toThrow();
    expect(() => checkCniPorts('n', list(), true)).not.toThrow();
  });
});

describe('results', () => {
  it("takes the container interface's first IPv4 address, its gateway and MAC (lower-case)", () => {
    expect(addressOf(RESULT, 'eth0', 'n')).toEqual({ ip: '10.9.0.5', prefixLen: 24, gateway: '10.9.0.1', mac: 'aa:bb:cc:00:00:05' });
    // an address on a host-side interface is not the container's
    expect(() => addressOf({ ...RESULT, ips: [{ address: '10.9.0.1/24', interface: 0 }] }, 'eth0', 'n')).toThrow(CniError);
    expect(() => addressOf(RESULT, 'eth1', 'n')).toThrow(/gives eth1 no IPv4 address/);
    // no interface index: the container's (0.3.x results may omit it)
    expect(addressOf({ cniVersion: '0.4.0', ips: [{ address: '10.1.0.2/16' }] }, 'eth0', 'n')).toEqual({ ip: '10.1.0.2', prefixLen: 16, gateway: '', mac: '' });
  });

  it('turns published ports into portMappings', () => {
    expect(portMappingsOf([
      { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp' },
    ])).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' }]);
  });
});

describe('the plugin protocol (fake plugins)', () => {
  const inv = { containerId: 'c'.repeat(64), netns: '/proc/77/ns/net', ifName: 'eth0', runtimeConfig: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }] } };

  it('ADD runs in order with the CNI_* environment, chains prevResult and gives runtimeConfig only to plugins declaring it', async () => {
    const bin = await plugins(['fakebridge', 'fakeportmap']);
    await fs.writeFile(path.join(bin, 'add-fakebridge.json'), JSON.stringify(RESULT));
    const p = new CniPlugins(run, [path.join(dir, 'nothing-here'), bin]);
    expect(await p.add(list(), inv)).toEqual(RESULT);
    expect(await log(bin)).toEqual([`fakebridge ADD ${inv.containerId} /proc/77/ns/net eth0`, `fakeportmap ADD ${inv.containerId} /proc/77/ns/net eth0`]);
    const [first, second] = await stdins(bin);
    expect(first).toEqual({ type: 'fakebridge', bridge: 'cni7', cniVersion: '1.0.0', name: 'mynet' });
    expect(second).toEqual({ type: 'fakeportmap', snat: true, cniVersion: '1.0.0', name: 'mynet', runtimeConfig: inv.runtimeConfig, prevResult: RESULT });
  });

  it('DEL runs in reverse with the cached result and goes on past a failing plugin', async () => {
    const bin = await plugins(['fakebridge', 'fakeportmap']);
    // a DEL failure: the script's ADD branch is not taken, so make the plugin itself fail
    await fs.writeFile(path.join(bin, 'fakeportmap'), '#!/bin/sh\ncat >/dev/null\necho \'{"code":7,"msg":"bad"}\'\nexit 1\n', { mode: 0o755 });
    const p = new CniPlugins(run, [bin]);
    const errors = await p.del(list(), { ...inv, netns: '' }, RESULT);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CniError);
    expect(String(errors[0])).toMatch(/cni plugin fakeportmap \(DEL on network mynet\) failed: bad \(code 7\)/);
    expect(await log(bin)).toEqual([`fakebridge DEL ${inv.containerId}  eth0`]);
    expect((await stdins(bin))[0]!.prevResult).toEqual(RESULT);
  });

  it('reports a plugin error object as a CniError, VERSION mismatches and missing plugins by name', async () => {
    const bin = await plugins(['fakebridge', 'fakeportmap']);
    await fs.writeFile(path.join(bin, 'add-fakebridge.json'), JSON.stringify(RESULT));
    await fs.writeFile(path.join(bin, 'fail-fakeportmap'), '');
    const p = new CniPlugins(run, [bin]);
    await expect(p.add(list(), inv)).rejects.toThrow('cni plugin fakeportmap (ADD on network mynet) failed: try again later: busy (code 11)');
    await p.version(list());
    await expect(p.version(list({ cniVersion: '0.3.1' }))).rejects.toThrow(/fakebridge does not support cniVersion 0.3.1 of network mynet/);
    await expect(new CniPlugins(run, [bin]).version(parseConfList({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'nosuch' }] }, 'f')))
      .rejects.toThrow(`cni plugin nosuch not found in ${bin}`);
  });
});

describe('an attachment (pinned netns faked)', () => {
  it('undoes a failed ADD with DEL of every plugin, in reverse, in the pinned netns, then unpins', async () => {
    const bin = await plugins(['fakebridge', 'fakeportmap']);
    await fs.writeFile(path.join(bin, 'add-fakebridge.json'), JSON.stringify(RESULT));
    await fs.writeFile(path.join(bin, 'fail-fakeportmap'), '');
    const pinned: string[] = [];
    const pins = {
      file: (c: string, n: string) => `/pins/${c.slice(0, 4)}-${n.slice(0, 4)}`,
      pin: async (_pid: number, f: string) => { pinned.push(f); },
      pinned: async (f: string) => pinned.includes(f),
      unpin: async (f: string) => { pinned.splice(pinned.indexOf(f), 1); return []; },
    } as unknown as NetnsPins;
    const attach = new CniAttach(new CniPlugins(run, [bin]), pins);
    const net = { id: 'n'.repeat(64), name: 'web', driver: 'cni', internal: false, builtin: false, created: '', labels: {}, endpoints: {}, cni: { source: 'x', list: list() } } as NetworkRecord;
    const planned = attach.plan(net, { containerId: 'c'.repeat(64), containerName: 'c', pid: 5, ifName: 'eth0', aliases: [], ports: [] });
    await expect(attach.add(net, planned)).rejects.toThrow(/fakeportmap \(ADD on network mynet\) failed/);
    const id = 'c'.repeat(64);
    expect(await log(bin)).toEqual([
      `fakebridge ADD ${id} /pins/cccc-nnnn eth0`, `fakeportmap ADD ${id} /pins/cccc-nnnn eth0`,
      `fakeportmap DEL ${id} /pins/cccc-nnnn eth0`, `fakebridge DEL ${id} /pins/cccc-nnnn eth0`,
    ]);
    expect(pinned).toEqual([]);
  });
});

describe('the network service on a cni network (fake OS, fake plugins)', () => {
  let fake: FakeOs;
  let bin: string;
  let conflist: string;
  const services: NetworkService[] = [];
  const service = async (isAlive: (id: string) => boolean = () => true) => {
    const s = new NetworkService({ root: path.join(dir, 'root'), run: path.join(dir, 'run') }, {
      os: fake, defaultBridge: 'mdt0', defaultSubnet: '10.250.0.0/24', nftTable: 't', dnsPort: 0, dnsUpstreams: [],
      resolvConfPath: path.join(dir, 'resolv.conf'), cniPath: [bin], cniConfDir: dir,
    });
    services.push(s);
    expect(await s.init(isAlive)).toEqual({ warnings: [] });
    return s;
  };
  const req = (n: number, extra: object = {}) => ({ containerId: `c${n}`.padEnd(64, '0'), containerName: `c${n}`, pid: 1000 + n, ifName: 'eth0', aliases: [`c${n}`.padEnd(12, '0')], ports: [], ...extra });

  beforeEach(async () => {
    fake = new FakeOs();
    // the plugins run for real; everything else (ip, mount, nft) is recorded
    const recorded = fake.run;
    fake.run = (cmd, args, opts) => (cmd.startsWith(dir) ? run(cmd, args, opts) : recorded(cmd, args, opts));
    bin = await plugins(['bridge', 'portmap']);
    await fs.writeFile(path.join(bin, 'add-bridge.json'), JSON.stringify(RESULT));
    conflist = path.join(dir, 'mynet.conflist');
    await fs.writeFile(conflist, JSON.stringify({ cniVersion: '1.0.0', name: 'mynet', plugins: [{ type: 'bridge', bridge: 'cni7' }, { type: 'portmap', capabilities: { portMappings: true } }] }));
  });
  afterEach(async () => { for (const s of services.splice(0)) await s.close(); });

  it('creates the network after VERSION of every plugin, one per list, and removes the bridge its plugin made', async () => {
    const svc = await service();
    const net = await svc.create({ name: 'web', driver: 'cni', options: { config: 'mynet' }, labels: { a: 'b' } });
    expect(net).toMatchObject({ name: 'web', driver: 'cni', internal: false, cni: { source: 'mynet', list: { name: 'mynet' } }, labels: { a: 'b' } });
    expect(await log(bin)).toEqual(['bridge VERSION   ', 'portmap VERSION   ']);
    await expect(svc.create({ name: 'web2', driver: 'cni', options: { config: conflist } })).rejects.toThrow('cni configuration list mynet is already used by network web');
    await expect(svc.create({ name: 'web3', options: { config: conflist } })).rejects.toThrow('network option config is not supported by the bridge driver');

    fake.links.add('cni7');
    fake.brif.set('cni7', ['eth9']); // someone else's interface is on it: not ours to delete
    await svc.remove('web');
    expect(fake.lines()).not.toContain('ip link del cni7');
    await svc.create({ name: 'web', driver: 'cni', options: { config: conflist } });
    fake.brif.delete('cni7');
    await svc.remove('web');
    expect(fake.lines()).toContain('ip link del cni7');
  });

  it('connects by ADD in the pinned netns with the ports, and DELs with the cached result on release', async () => {
    const svc = await service();
    await svc.create({ name: 'web', driver: 'cni', options: { config: 'mynet' } });
    await fs.writeFile(path.join(bin, 'log'), '');
    const port = { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const };
    const ep = await svc.connect('web', req(1, { ports: [port] }));
    expect(ep).toMatchObject({ networkName: 'web', ifName: 'eth0', ip: '10.9.0.5', prefixLen: 24, gateway: '10.9.0.1', mac: 'aa:bb:cc:00:00:05', ports: [port] });
    const pin = path.join(dir, 'run', 'netns', `${req(1).containerId.slice(0, 12)}-${ep.networkId.slice(0, 12)}`);
    expect(fake.lines()).toContain(`mount --bind /proc/1001/ns/net ${pin}`);
    expect(await log(bin)).toEqual([`bridge ADD ${req(1).containerId} ${pin} eth0`, `portmap ADD ${req(1).containerId} ${pin} eth0`]);
    expect((await stdins(bin)).at(-1)!.runtimeConfig).toEqual({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    expect((await svc.get('web')).endpoints[req(1).containerId]!.cni!.result).toEqual(RESULT);
    // the engine's short-id alias is not the user's
    await expect(svc.connect('web', req(2, { aliases: ['db'] }))).rejects.toThrow('--network-alias is not supported on cni network web');
    await expect(svc.connect('web', req(2, { ip: '10.9.0.9' }))).rejects.toThrow('--ip is not supported on cni network web');
    expect(Object.keys((await svc.get('web')).endpoints)).toEqual([req(1).containerId]);

    await fs.writeFile(path.join(bin, 'log'), '');
    await fs.writeFile(path.join(bin, 'log.json'), '');
    await svc.releaseContainer(req(1).containerId);
    // the fake mount pinned nothing, so DEL runs without a netns, as after a reboot
    expect(await log(bin)).toEqual([`portmap DEL ${req(1).containerId}  eth0`, `bridge DEL ${req(1).containerId}  eth0`]);
    expect((await stdins(bin)).map((s) => s.prevResult)).toEqual([RESULT, RESULT]);
    expect((await svc.get('web')).endpoints).toEqual({});
    await svc.releaseContainer(req(1).containerId); // idempotent
  });

  it('undoes a failed ADD and keeps no record', async () => {
    const svc = await service();
    await svc.create({ name: 'web', driver: 'cni', options: { config: 'mynet' } });
    await fs.writeFile(path.join(bin, 'log'), '');
    await fs.writeFile(path.join(bin, 'fail-portmap'), '');
    const err = await svc.connect('web', req(1)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(String(err)).toMatch(/cni plugin portmap \(ADD on network mynet\) failed: try again later/);
    // nothing was mounted by the fake, so no DEL inside a netns was possible: the unpin is all
    expect((await log(bin)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['bridge ADD', 'portmap ADD']);
    expect((await svc.get('web')).endpoints).toEqual({});
  });

  it('a DEL failure is reported but the record goes; engine start DELs the attachments of dead containers', async () => {
    const svc = await service();
    await svc.create({ name: 'web', driver: 'cni', options: { config: 'mynet' } });
    await svc.connect('web', req(1));
    await svc.connect('web', req(2));
    await svc.close();
    services.splice(0);

    await fs.writeFile(path.join(bin, 'log'), '');
    const again = await service((id) => id === req(2).containerId);
    expect(await log(bin)).toEqual([
      `portmap DEL ${req(1).containerId}  eth0`, `bridge DEL ${req(1).containerId}  eth0`,
      // the live one is CHECKed with its cached result
      `bridge CHECK ${req(2).containerId} ${path.join(dir, 'run', 'netns', `${req(2).containerId.slice(0, 12)}-${(await again.get('web')).id.slice(0, 12)}`)} eth0`,
      `portmap CHECK ${req(2).containerId} ${path.join(dir, 'run', 'netns', `${req(2).containerId.slice(0, 12)}-${(await again.get('web')).id.slice(0, 12)}`)} eth0`,
    ]);
    expect(Object.keys((await again.get('web')).endpoints)).toEqual([req(2).containerId]);

    await fs.writeFile(path.join(bin, 'bridge'), '#!/bin/sh\ncat >/dev/null\necho \'{"code":11,"msg":"stuck"}\'\nexit 1\n', { mode: 0o755 });
    const err = await again.releaseContainer(req(2).containerId).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    expect(String(err)).toMatch(/stuck/);
    expect((await again.get('web')).endpoints).toEqual({});
  });
});
