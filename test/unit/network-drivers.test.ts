// The driver factory and the drivers' `ip` work against a recording fake OS.
import { describe, expect, it } from 'vitest';
import { Drivers, createDriver, driverName } from '../../src/network/drivers/factory.js';
import { BR_STATE_FORWARDING, BridgeDriver, PORT_WAITS_MS } from '../../src/network/drivers/bridge.js';
import { HostDriver } from '../../src/network/drivers/host.js';
import { NullDriver } from '../../src/network/drivers/null.js';
import { bareEndpoint, type DriverEndpoint } from '../../src/network/drivers/driver.js';
import { FakeOs } from './network-fake-os.js';
import { attachEndpoint } from '../../src/network/drivers/commands.js';
import type { VethPlan } from '../../src/wire/veth.js';

const net = { name: 'web', bridge: 'md-1', subnet: '172.18.0.0/16', gateway: '172.18.0.1', internal: false };
const ep: DriverEndpoint = { pid: 42, ifName: 'eth1', hostVeth: 'veth1234567', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', mac: '02:42:ac:12:00:02', defaultRoute: 'never' };

describe('driver factory', () => {
  it('picks the driver by name, none being the null driver', () => {
    const os = new FakeOs();
    expect(createDriver('bridge', os)).toBeInstanceOf(BridgeDriver);
    expect(createDriver('host', os)).toBeInstanceOf(HostDriver);
    expect(createDriver('null', os)).toBeInstanceOf(NullDriver);
    expect(createDriver('none', os)).toBeInstanceOf(NullDriver);
    expect(driverName('none')).toBe('null');
  });

  it('refuses an unknown driver with docker\'s message', () => {
    expect(() => createDriver('overlay', new FakeOs())).toThrow(expect.objectContaining({ code: 'InvalidArgument', status: 400, message: 'plugin "overlay" not found' }));
  });

  it('makes one instance per driver and service, so the bridge driver remembers its bridges', () => {
    const d = new Drivers(new FakeOs());
    expect(d.get('bridge')).toBe(d.get('bridge'));
    expect(d.get('none')).toBe(d.get('null'));
    expect(new Drivers(new FakeOs()).get('bridge')).not.toBe(d.get('bridge'));
  });
});

describe('bridge driver', () => {
  it('sets a bridge up once, and again only when the link went away', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    await b.setupNetwork(net);
    expect(os.lines()).toEqual(['ip -batch - <<< link add name md-1 type bridge | link set md-1 address 02:42:ac:12:00:01 | addr replace 172.18.0.1/16 dev md-1 | link set md-1 up']);
    expect(os.sysctls).toEqual([['net/ipv4/conf/md-1/route_localnet', '1'], ['net/ipv4/ip_forward', '1']]);
    await b.setupNetwork(net);
    expect(os.calls).toHaveLength(1);
    os.links.delete('md-1');
    await b.setupNetwork(net);
    expect(os.calls).toHaveLength(2);
    expect(os.calls[1].input).toContain('link add name md-1');
  });

  it('keeps an existing bridge it did not set up in this run (engine restart), adding only what is missing', async () => {
    const os = new FakeOs();
    os.links.add('md-1');
    await new BridgeDriver(os).setupNetwork({ ...net, internal: true });
    expect(os.calls[0].input).not.toContain('link add');
    expect(os.sysctls.map(([k]) => k)).toEqual(['net/ipv4/conf/md-1/route_localnet']);
  });

  it('adds a default route only when asked, or when the netns has none yet', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    let routes = '[{"dst":"default","gateway":"10.0.0.1","dev":"eth0"}]';
    os.stdout = (c) => (c.args.includes('route') && c.args.includes('show') ? routes : '');
    await b.setupEndpoint(net, { ...ep, defaultRoute: 'if-missing' });
    expect(os.calls.map((c) => c.args.slice(0, 2))).toEqual([['--net=/proc/42/ns/net', '--'], ['-batch', '-'], ['--net=/proc/42/ns/net', '--']]);
    expect(os.calls[2].input).not.toContain('route add default');
    os.calls.length = 0;
    routes = '[]';
    await b.setupEndpoint(net, { ...ep, defaultRoute: 'if-missing' });
    expect(os.calls[2].input).toContain('route add default via 172.18.0.1 dev eth1');
    os.calls.length = 0;
    await b.setupEndpoint(net, { ...ep, defaultRoute: 'always' });
    expect(os.calls).toHaveLength(2); // no probe
    expect(os.calls[1].input).toContain('route add default');
  });

  it('hands the veth to a plumber when given one (the shim at start): same plan, no `ip` spawned', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    const plans: VethPlan[] = [];
    os.portStates.set(ep.hostVeth, [BR_STATE_FORWARDING]); // the shim made the port; it forwards
    await b.setupEndpoint(net, { ...ep, defaultRoute: 'always', plumber: async (p) => { plans.push(p); } });
    await b.setupEndpoint(net, { ...ep, defaultRoute: 'never', plumber: async (p) => { plans.push(p); } });
    expect(os.calls).toEqual([]);
    expect(plans).toEqual([
      { pid: 42, bridge: 'md-1', hostVeth: 'veth1234567', ifName: 'eth1', mac: '02:42:ac:12:00:02', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', defaultRoute: true },
      { pid: 42, bridge: 'md-1', hostVeth: 'veth1234567', ifName: 'eth1', mac: '02:42:ac:12:00:02', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', defaultRoute: false },
    ]);
    // the batches `ip` would run for the same plan
    const { host, netns } = attachEndpoint(plans[0]!);
    expect(host.input).toContain('link add name veth1234567 type veth peer name eth1 address 02:42:ac:12:00:02 netns 42');
    expect(netns.input).toContain('route add default via 172.18.0.1 dev eth1');
    await expect(b.setupEndpoint(net, { ...ep, defaultRoute: 'always', plumber: async () => { throw new Error('veth error File exists'); } })).rejects.toThrow('File exists');
  });

  it('returns from setupEndpoint only once the new bridge port forwards', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    os.portStates.set(ep.hostVeth, [0, 0, BR_STATE_FORWARDING]); // disabled until the kernel's linkwatch ran
    await b.setupEndpoint(net, ep);
    expect(os.delays).toEqual(PORT_WAITS_MS.slice(0, 2));
  });

  it('fails setupEndpoint naming the port when it never forwards', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    os.portStates.set(ep.hostVeth, [0]);
    const total = PORT_WAITS_MS.reduce((a, c) => a + c, 0);
    await expect(b.setupEndpoint(net, ep)).rejects.toThrow(`port veth1234567 of network web does not forward after ${total} ms (bridge port state 0)`);
    expect(os.delays).toEqual(PORT_WAITS_MS);
  });

  it('tears down exactly: a vanished veth costs no spawn, a missing bridge is no error, other failures are returned', async () => {
    const os = new FakeOs();
    const b = new BridgeDriver(os);
    expect(await b.teardownEndpoint(net, ep)).toEqual([]);
    expect(os.calls).toEqual([]);
    os.links.add(ep.hostVeth);
    expect(await b.teardownEndpoint(net, ep)).toEqual([]);
    expect(os.lines()).toEqual(['ip link del veth1234567']);
    os.fail = () => 'Cannot find device "md-1"';
    expect(await b.teardownNetwork(net)).toEqual([]);
    os.fail = () => 'RTNETLINK answers: Device or resource busy';
    const errors = await b.teardownNetwork(net);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('ip link del md-1');
  });

  it('refuses options it cannot honour', () => {
    const b = new BridgeDriver(new FakeOs());
    expect(() => b.validate({ gateway: '10.0.0.1' })).toThrow('gateway 10.0.0.1 given without a subnet');
    expect(() => b.validate({ subnet: '10.0.0.0/31' })).toThrow('too small');
    expect(() => b.validate({ subnet: '10.0.0.0/24', gateway: '10.0.1.1' })).toThrow('not a usable address');
  });
});

describe('null and host drivers', () => {
  it('null brings lo up in the netns and has nothing to tear down', async () => {
    const os = new FakeOs();
    const n = new NullDriver(os);
    await n.setupEndpoint({ name: 'none', internal: false }, bareEndpoint(7));
    expect(os.lines()).toEqual(['nsenter --net=/proc/7/ns/net -- ip link set lo up']);
    expect(await n.teardownEndpoint()).toEqual([]);
    expect(() => n.validate({ subnet: '10.0.0.0/24' })).toThrow('the null driver takes no subnet');
  });

  it('host refuses a later connect and runs nothing', async () => {
    const h = new HostDriver();
    await expect(h.setupEndpoint()).rejects.toThrow('container cannot be connected to the host network after creation');
    expect(() => h.validate({ subnet: '10.0.0.0/24' })).toThrow('the host driver takes no subnet');
  });
});
