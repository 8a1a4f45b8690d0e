import { describe, expect, it } from 'vitest';
import { contains, formatCidr, formatIp, last, overlaps, parseCidr, parseIp } from '../../src/network/cidr.js';
import { candidateSubnets, checkSubnet, pickSubnet, usedFromHost, type UsedRange } from '../../src/network/pool.js';

const used = (...cidrs: string[]): UsedRange[] => cidrs.map((c) => ({ cidr: parseCidr(c, true), what: `route ${c}` }));

describe('cidr math', () => {
  it('parses and formats addresses', () => {
    expect(parseIp('172.17.0.1')).toBe(0xac110001);
    expect(formatIp(0xffffffff)).toBe('255.255.255.255');
    for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d', '1.2.3.4.5', '']) expect(() => parseIp(bad)).toThrow(/invalid ipv4 address/);
  });
  it('parses subnets strictly unless loose', () => {
    expect(formatCidr(parseCidr('10.0.0.0/8'))).toBe('10.0.0.0/8');
    expect(() => parseCidr('10.0.0.1/8')).toThrow(/host bits set.*10\.0\.0\.0\/8/);
    expect(formatCidr(parseCidr('10.0.0.1/8', true))).toBe('10.0.0.0/8');
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/invalid subnet: 10.0.0.0\/33/);
    expect(formatCidr(parseCidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
  });
  it('computes containment, last address and overlaps', () => {
    const c = parseCidr('192.168.16.0/20');
    expect(formatIp(last(c))).toBe('192.168.31.255');
    expect(contains(c, parseIp('192.168.31.7'))).toBe(true);
    expect(contains(c, parseIp('192.168.32.0'))).toBe(false);
    expect(overlaps(parseCidr('172.16.0.0/12'), parseCidr('172.18.0.0/16'))).toBe(true);
    expect(overlaps(parseCidr('172.18.0.0/16'), parseCidr('172.19.0.0/16'))).toBe(false);
    expect(overlaps(parseCidr('10.1.2.3/32'), parseCidr('10.1.2.0/24'))).toBe(true);
  });
});

describe('subnet pool', () => {
  it('lists docker\'s default candidates in order', () => {
    const all = [...candidateSubnets()];
    expect(all.slice(0, 2)).toEqual(['172.17.0.0/16', '172.18.0.0/16']);
    expect(all).toContain('172.31.0.0/16');
    expect(all[15]).toBe('192.168.0.0/20');
    expect(all.at(-1)).toBe('192.168.240.0/20');
  });
  it('gives the default bridge 172.17 when free, the next free range otherwise', () => {
    // docker0's 172.17.0.0/16 is never taken, even while docker0 is absent (dockerd would not look)
    expect(pickSubnet([])).toBe('172.18.0.0/16');
    expect(pickSubnet(used('172.18.0.0/16'))).toBe('172.19.0.0/16');
  });
  it('starts user networks at 172.18 and skips every routed or addressed range', () => {
    expect(pickSubnet([])).toBe('172.18.0.0/16');
    expect(pickSubnet(used('172.18.5.0/24', '172.19.0.1/32', '172.20.0.0/14'))).toBe('172.24.0.0/16');
    expect(pickSubnet(used('172.16.0.0/12'))).toBe('192.168.0.0/20');
    expect(pickSubnet(used('172.16.0.0/12', '192.168.1.0/24'))).toBe('192.168.16.0/20');
    expect(() => pickSubnet(used('172.16.0.0/12', '192.168.0.0/16'))).toThrow(/non-overlapping/);
  });
  it('refuses an explicit subnet overlapping something, naming both', () => {
    expect(() => checkSubnet('10.0.0.0/16', used('10.0.5.0/24'))).toThrow('subnet 10.0.0.0/16 overlaps with route 10.0.5.0/24');
    expect(formatCidr(checkSubnet('10.1.0.0/16', used('10.0.5.0/24')))).toBe('10.1.0.0/16');
  });
  it('reads ip -j route / addr output, ignoring default routes', () => {
    const u = usedFromHost(
      [{ dst: 'default', dev: 'eth0' }, { dst: '192.0.2.0/24', dev: 'eth0' }, { dst: '10.9.9.9', dev: 'tun0' }],
      [{ ifname: 'docker0', addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] }],
    );
    expect(u.map((x) => [formatCidr(x.cidr), x.what])).toEqual([
      ['192.0.2.0/24', 'route 192.0.2.0/24 dev eth0'],
      ['10.9.9.9/32', 'route 10.9.9.9/32 dev tun0'],
      ['172.17.0.0/16', 'address 172.17.0.1/16 on docker0'],
    ]);
  });
});
