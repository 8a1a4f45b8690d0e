import { describe, expect, it } from 'vitest';
import { addNetwork, addPorts, rebuild, removeNetwork, removePorts, resetNetworkChains, skeleton, type FwNetwork } from '../../src/network/nft.js';
import { bridgeAcceptRules, missingAcceptRules, pickChain } from '../../src/network/iptables.js';
import { attachEndpoint, createBridge, inNetns, ipBatch } from '../../src/network/drivers/commands.js';

const net: FwNetwork = { key: '0123456789ab', name: 'web', bridge: 'md-0123456789ab', subnet: '172.18.0.0/16', internal: false };

describe('nft script builders', () => {
  it('builds a network\'s chains and map elements', () => {
    expect(addNetwork('minidock', net)).toBe(`table ip minidock {
  chain nw_0123456789ab_in {
    oifname "md-0123456789ab" accept comment "minidock:network web"
    accept comment "minidock:network web"
  }
  chain nw_0123456789ab_out {
    iifname "md-0123456789ab" accept comment "minidock:network web"
    ct status dnat accept comment "minidock:network web"
    drop comment "minidock:network web"
  }
  chain nw_0123456789ab_post {
    ip saddr 172.18.0.0/16 ct status dnat masquerade comment "minidock:network web"
    ip saddr 127.0.0.0/8 masquerade comment "minidock:network web"
  }
  chain nw_0123456789ab_src {
    oifname != "md-0123456789ab" masquerade comment "minidock:network web"
  }
}
add element ip minidock fwd_in { "md-0123456789ab" : jump nw_0123456789ab_in }
add element ip minidock fwd_out { "md-0123456789ab" : jump nw_0123456789ab_out }
add element ip minidock post_out { "md-0123456789ab" : jump nw_0123456789ab_post }
add element ip minidock post_src { 172.18.0.0/16 : jump nw_0123456789ab_src }
`);
  });

  it('gives an internal network no masquerade and a drop for everything leaving', () => {
    const text = addNetwork('minidock', { ...net, internal: true });
    expect(text).not.toContain('_src');
    expect(text).toContain('    drop comment "minidock:network web"\n  }\n  chain nw_0123456789ab_out');
    expect(removeNetwork('minidock', { ...net, internal: true })).not.toContain('delete chain ip minidock nw_0123456789ab_src');
  });

  it('removes exactly what it added', () => {
    expect(removeNetwork('minidock', net)).toEqual([
      'delete element ip minidock fwd_in { "md-0123456789ab" }',
      'delete element ip minidock fwd_out { "md-0123456789ab" }',
      'delete element ip minidock post_out { "md-0123456789ab" }',
      'delete element ip minidock post_src { 172.18.0.0/16 }',
      'delete chain ip minidock nw_0123456789ab_in',
      'delete chain ip minidock nw_0123456789ab_out',
      'delete chain ip minidock nw_0123456789ab_post',
      'delete chain ip minidock nw_0123456789ab_src',
    ]);
  });

  it('publishes ports as DNAT map elements keyed by (address,) protocol and port', () => {
    const ports = [
      { hostIp: '', hostPort: 8080, proto: 'tcp' as const, containerIp: '172.18.0.2', containerPort: 80, owner: 'abc' },
      { hostIp: '127.0.0.1', hostPort: 5353, proto: 'udp' as const, containerIp: '172.18.0.2', containerPort: 53, owner: 'abc' },
    ];
    expect(addPorts('minidock', ports)).toBe(
      'add element ip minidock dnat_any { tcp . 8080 comment "minidock:container abc" : 172.18.0.2 . 80 }\n'
      + 'add element ip minidock dnat_ip { 127.0.0.1 . udp . 5353 comment "minidock:container abc" : 172.18.0.2 . 53 }\n');
    expect(removePorts('minidock', ports)).toEqual([
      'delete element ip minidock dnat_any { tcp . 8080 }',
      'delete element ip minidock dnat_ip { 127.0.0.1 . udp . 5353 }',
    ]);
  });

  it('hooks the base chains and drops non-loopback packets to 127/8', () => {
    const s = skeleton('t');
    expect(s).toContain('type nat hook prerouting priority dstnat; policy accept;');
    expect(s).toContain('type nat hook output priority -100; policy accept;');
    expect(s).toContain('type nat hook postrouting priority srcnat; policy accept;');
    expect(s).toContain('type filter hook forward priority filter; policy accept;');
    expect(s).toContain('ip daddr 127.0.0.0/8 iifname != "lo" drop');
    expect(s).toContain('fib daddr type local dnat ip to meta l4proto . th dport map @dnat_any');
  });

  it('orders the per-packet rules cheapest first', () => {
    const lines = skeleton('t').split('\n').map((l) => l.trim());
    const body = (name: string) => lines.slice(lines.indexOf(`chain ${name} {`) + 2).filter((l) => l && !l.startsWith('//'));
    // established traffic leaves the forward chain at its first rule, before any map lookup
    expect(body('forward')[0]).toBe('ct state established,related accept');
    // every packet crosses raw prerouting: the 127/8 test (one byte) precedes the name compare
    expect(body('raw_prerouting')[0]).toMatch(/^ip daddr 127\.0\.0\.0\/8 iifname != "lo" drop /);
  });

  it('rebuilds the table atomically with network chains inside the table block', () => {
    const text = rebuild('t', [net], []);
    expect(text.startsWith('add table ip t\ndelete table ip t\ntable ip t {\n')).toBe(true);
    const close = text.indexOf('\n}\n');
    expect(text.indexOf('chain nw_0123456789ab_src')).toBeLessThan(close);
    expect(text.slice(close)).toContain('add element ip t post_src { 172.18.0.0/16 : jump nw_0123456789ab_src }');
  });
});

describe('iptables coexistence builders', () => {
  it('tags accept rules with the network', () => {
    expect(bridgeAcceptRules('md-1', 'web')).toEqual([
      ['-i', 'md-1', '-m', 'comment', '--comment', 'minidock:web', '-j', 'ACCEPT'],
      ['-o', 'md-1', '-m', 'comment', '--comment', 'minidock:web', '-j', 'ACCEPT'],
    ]);
  });
  it('uses DOCKER-USER when present, FORWARD only when its policy drops', () => {
    expect(pickChain('-P FORWARD DROP\n-A FORWARD -j DOCKER-USER', true)).toBe('DOCKER-USER');
    expect(pickChain('-P FORWARD DROP', false)).toBe('FORWARD');
    expect(pickChain('-P FORWARD ACCEPT', false)).toBeUndefined();
    expect(pickChain(undefined, false)).toBeUndefined();
  });
});

describe('ip batch builders', () => {
  it('creates a bridge with a fixed MAC and the gateway address in one batch, idempotently', () => {
    expect(createBridge('md-1', '172.18.0.1', 16, '02:42:ac:12:00:01')).toEqual({
      argv: ['ip', ['-batch', '-']],
      input: 'link add name md-1 type bridge\nlink set md-1 address 02:42:ac:12:00:01\naddr replace 172.18.0.1/16 dev md-1\nlink set md-1 up\n',
    });
    expect(createBridge('md-1', '172.18.0.1', 16, '02:42:ac:12:00:01', true).input).not.toContain('link add');
  });
  it('creates the peer inside the netns of the pid (host batch), then configures it from inside (netns batch)', () => {
    const o = { pid: 42, bridge: 'md-1', hostVeth: 'veth1234567', ifName: 'eth0', mac: '02:42:ac:12:00:02', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1' };
    const { host, netns } = attachEndpoint({ ...o, defaultRoute: true });
    expect(host.argv).toEqual(['ip', ['-batch', '-']]);
    expect(host.input.split('\n')).toEqual([
      'link add name veth1234567 type veth peer name eth0 address 02:42:ac:12:00:02 netns 42',
      'link set veth1234567 master md-1',
      'link set veth1234567 type bridge_slave hairpin on',
      'link set veth1234567 up',
      '',
    ]);
    expect(netns.argv).toEqual(inNetns(42, 'ip', ['-batch', '-']));
    expect(netns.argv).toEqual(['nsenter', ['--net=/proc/42/ns/net', '--', 'ip', '-batch', '-']]);
    expect(netns.input).toBe('addr add 172.18.0.2/16 brd + dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via 172.18.0.1 dev eth0\n');
    expect(attachEndpoint({ ...o, defaultRoute: false }).netns.input).not.toContain('default');
  });
  it('ipBatch joins argv lines', () => {
    expect(ipBatch([['link', 'set', 'lo', 'up']], 7)).toEqual({ argv: inNetns(7, 'ip', ['-batch', '-']), input: 'link set lo up\n' });
  });
});

describe('iptables coexistence from one table dump', () => {
  const table = (extra: string[]) => ['-P INPUT ACCEPT', '-P FORWARD DROP', '-P OUTPUT ACCEPT', '-N DOCKER-USER', '-A FORWARD -j DOCKER-USER', ...extra].join('\n') + '\n';
  it('finds nothing to do when forwarding is not blocked or iptables is absent', () => {
    expect(missingAcceptRules('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n', 'md-1', 'web')).toBeUndefined();
    expect(missingAcceptRules(undefined, 'md-1', 'web')).toBeUndefined();
  });
  it('lists the missing rules of DOCKER-USER in insertion (reverse) order', () => {
    expect(missingAcceptRules(table([]), 'md-1', 'web')).toEqual({ chain: 'DOCKER-USER', rules: [...bridgeAcceptRules('md-1', 'web')].reverse() });
  });
  it('recognises present rules as iptables -S prints them (quoted comment)', () => {
    const present = table(['-A DOCKER-USER -i md-1 -m comment --comment "minidock:web" -j ACCEPT']);
    expect(missingAcceptRules(present, 'md-1', 'web')).toEqual({ chain: 'DOCKER-USER', rules: [bridgeAcceptRules('md-1', 'web')[1]] });
    const both = table(['-A DOCKER-USER -i md-1 -m comment --comment "minidock:web" -j ACCEPT', '-A DOCKER-USER -o md-1 -m comment --comment "minidock:web" -j ACCEPT']);
    expect(missingAcceptRules(both, 'md-1', 'web')?.rules).toEqual([]);
    // a rule of another bridge or in another chain does not count
    expect(missingAcceptRules(table(['-A FORWARD -i md-1 -m comment --comment "minidock:web" -j ACCEPT', '-A DOCKER-USER -i md-2 -m comment --comment "minidock:web" -j ACCEPT']), 'md-1', 'web')?.rules).toHaveLength(2);
  });
  it('uses FORWARD when DOCKER-USER does not exist', () => {
    expect(missingAcceptRules('-P FORWARD DROP\n', 'md-1', 'web')?.chain).toBe('FORWARD');
  });
});

describe('idempotent network chains', () => {
  it('creates-if-missing and empties only the network\'s own chains', () => {
    expect(resetNetworkChains('minidock', { ...net, internal: true })).toBe([
      'add chain ip minidock nw_0123456789ab_in', 'flush chain ip minidock nw_0123456789ab_in',
      'add chain ip minidock nw_0123456789ab_out', 'flush chain ip minidock nw_0123456789ab_out',
      'add chain ip minidock nw_0123456789ab_post', 'flush chain ip minidock nw_0123456789ab_post',
    ].join('\n') + '\n');
    expect(resetNetworkChains('minidock', net)).toContain('flush chain ip minidock nw_0123456789ab_src\n');
    expect(resetNetworkChains('minidock', net)).not.toMatch(/flush (table|ruleset)|delete/);
  });
});
